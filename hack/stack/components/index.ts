// Every component of the local stack, in start order within its group.
import type { Component } from '../component.ts';
import { kubeconfigPath } from '../config.ts';
import { etcdComponent } from './etcd.ts';
import { apiserverComponent } from './apiserver.ts';
import { controllerManagerComponent } from './controller-manager.ts';
import { postgresComponent } from './postgres.ts';
import { redisComponent } from './redis.ts';
import { kafkaComponent } from './kafka.ts';
import { kubectlComponent, helmComponent } from './tools.ts';
import { simulatorComponent } from './simulator.ts';
import { s3Component } from './s3.ts';
import { openbaoComponent } from './openbao.ts';

/** Groups start concurrently; the components within a group start one after another. */
export const componentGroups: Component[][] = [
  [etcdComponent, apiserverComponent, controllerManagerComponent, kubectlComponent, helmComponent],
  [postgresComponent, redisComponent, simulatorComponent],
  [kafkaComponent],
  [s3Component],
  [openbaoComponent],
];

export const allComponents: Component[] = componentGroups.flat();

const controlPlane = new Set([etcdComponent, apiserverComponent, controllerManagerComponent]);

/**
 * The components to start by default: all of them, except the local control plane when KUBECONFIG names
 * another cluster (the backing systems still run locally unless their OMNICLOUD_*_URL variables are set).
 */
export function defaultComponents(env: NodeJS.ProcessEnv = process.env): Component[] {
  const external = env.KUBECONFIG !== undefined && env.KUBECONFIG !== '' && env.KUBECONFIG !== kubeconfigPath;
  return allComponents.filter((c) => !(external && controlPlane.has(c)));
}
