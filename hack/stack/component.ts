// The shape every piece of the local stack has, so that up, down and status treat them alike.

export interface ComponentStatus {
  name: string;
  version: string;
  address: string;
  answering: boolean;
  detail?: string;
}

export interface Component {
  name: string;
  /** Builds, downloads or installs what the component needs; a no-op when the cache already has it. */
  prepare(): Promise<void>;
  /** Starts the component unless it already answers; resolves once it is ready. */
  start(): Promise<void>;
  /** Stops the component if this stack started it; a no-op otherwise. */
  stop(): Promise<void>;
  status(): Promise<ComponentStatus>;
}
