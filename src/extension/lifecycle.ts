/**
 * Disposables and events in VS Code's shapes, without importing `vscode`: the job service and
 * the tree model use them, so unit tests and benches run them in plain Node.
 */

export interface IDisposable {
  dispose(): void;
}

export const toDisposable = (fn: () => void): IDisposable => ({ dispose: fn });

/** Base class that owns what it registers; anything registered after disposal is disposed at once. */
export abstract class Disposable implements IDisposable {
  private readonly owned = new Set<IDisposable>();
  private disposed = false;

  protected _register<T extends IDisposable>(d: T): T {
    if (this.disposed) d.dispose();
    else this.owned.add(d);
    return d;
  }

  protected get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const d of [...this.owned].reverse()) d.dispose();
    this.owned.clear();
  }
}

/** Same call shape as `vscode.Event<T>`. */
export type Event<T> = (listener: (e: T) => unknown) => IDisposable;

export class Emitter<T> implements IDisposable {
  private listeners = new Set<(e: T) => unknown>();

  readonly event: Event<T> = (listener) => {
    this.listeners.add(listener);
    return toDisposable(() => this.listeners.delete(listener));
  };

  fire(e: T): void {
    for (const l of [...this.listeners]) l(e);
  }

  dispose(): void {
    this.listeners.clear();
  }
}
