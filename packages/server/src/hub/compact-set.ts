/**
 * A set that keeps a single member inline and becomes a `Set` only at two. Most `user:`
 * channels have one subscriber and most users one connection; a `Set` with its hash table
 * costs about 150 bytes each, this about 40, for every connection.
 */
export class CompactSet<T> implements Iterable<T> {
  private only: T | undefined;
  private many: Set<T> | undefined;

  get size(): number {
    return this.many ? this.many.size : this.only === undefined ? 0 : 1;
  }

  has(member: T): boolean {
    return this.many ? this.many.has(member) : this.only === member && member !== undefined;
  }

  add(member: T): void {
    if (this.many) this.many.add(member);
    else if (this.only === undefined || this.only === member) this.only = member;
    else {
      this.many = new Set([this.only, member]);
      this.only = undefined;
    }
  }

  /** Returns whether the member was there. */
  delete(member: T): boolean {
    if (this.many) {
      const deleted = this.many.delete(member);
      // Back to one member inline: the Set's table goes.
      if (this.many.size === 1) {
        this.only = this.many.values().next().value;
        this.many = undefined;
      }
      return deleted;
    }
    if (this.only === undefined || this.only !== member) return false;
    this.only = undefined;
    return true;
  }

  /**
   * Calls `visit(member, arg)` for each member: the fan-out loop, with no iterator or result
   * objects per call, and no closure when `visit` is created once.
   */
  forEach<A>(visit: (member: T, arg: A) => void, arg: A): void {
    if (this.many) for (const member of this.many) visit(member, arg);
    else if (this.only !== undefined) visit(this.only, arg);
  }

  [Symbol.iterator](): Iterator<T> {
    if (this.many) return this.many.values();
    return (this.only === undefined ? [] : [this.only])[Symbol.iterator]();
  }
}
