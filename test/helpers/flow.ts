// Test helpers for the pure session machine: feed a list of events, collect state and effects.
import { initialFlowState, transition, type FlowContext, type FlowEffect, type FlowEvent, type FlowState } from '../../electron/flow/session-machine';

export const intent = (i: Extract<FlowEvent, { type: 'intent' }>['intent']): FlowEvent => ({ type: 'intent', intent: i });

export function runFlow(events: readonly FlowEvent[], context: FlowContext, from: FlowState = initialFlowState): { state: FlowState; effects: FlowEffect[] } {
  let state = from;
  const effects: FlowEffect[] = [];
  for (const event of events) {
    const next = transition(state, event, context);
    state = next.state;
    effects.push(...next.effects);
  }
  return { state, effects };
}
