// Writes an event to the outbox in the caller's transaction: the event exists if and only if the change it
// describes was committed. The relay publishes it later.
import type { PoolClient } from 'pg';
import { topicFor, transitionEvent, type CloudEvent, type Transition } from './cloudevent.ts';

export async function recordTransition(client: PoolClient, t: Transition, now: Date): Promise<CloudEvent> {
  const event = transitionEvent(t, now);
  await client.query('INSERT INTO outbox (id, topic, key, event) VALUES ($1, $2, $3, $4)', [
    event.id,
    topicFor(t.kind),
    t.uid,
    JSON.stringify(event),
  ]);
  return event;
}
