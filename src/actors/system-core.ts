import type { RuntimeContext } from '../platform/context.ts';
import type { ActorCell } from './actor-cell.ts';
import type { ActorRef } from './actor-ref.ts';
import type { AskRegistry } from './ask-registry.ts';
import type { Dispatcher } from './dispatcher.ts';
import type { DeadLetter, Props, SystemEvent } from './types.ts';

type AnyCell = ActorCell<never, unknown>;

/** What an actor cell needs of its system; kept narrow so the cell does not depend on the whole system. */
export interface SystemCore {
  readonly runtime: RuntimeContext;
  readonly dispatcher: Dispatcher;
  readonly asks: AskRegistry;
  emit(event: SystemEvent): void;
  deadLetter(deadLetter: DeadLetter): void;
  /** A cell failed: its parent (or the root guardian) decides. */
  reportFailure(cell: AnyCell, error: unknown): void;
  /** Applies the parent's strategy to a failed child; `parent` is undefined for top-level actors. */
  supervise(parent: AnyCell | undefined, child: AnyCell, error: unknown): void;
  spawnChild<M, R>(parent: AnyCell, props: Props<M, R>): ActorRef<M, R>;
  topLevelGone(cell: AnyCell): void;
}
