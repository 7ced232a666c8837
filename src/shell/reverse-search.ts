/**
 * Ctrl-R: reverse incremental search through the line history, as bash
 * shows it — `(reverse-i-search)'text': match`. Typing narrows the search,
 * Ctrl-R again finds the next older match, Backspace widens it again.
 * This is the search itself, with no terminal in it; the line editor draws it.
 */
export class ReverseSearch {
  query = '';
  /** Index of the current match in the entries, or -1 before any. */
  private index = -1;
  private failed = false;

  /** `entries` newest first, as the line history keeps them. */
  constructor(private readonly entries: readonly string[]) {}

  /** The entry found, if any. */
  get match(): string | undefined {
    return this.index === -1 ? undefined : this.entries[this.index];
  }

  /** Where the query sits in the match, for the cursor. */
  get matchOffset(): number {
    const match = this.match;
    return match === undefined ? 0 : Math.max(0, match.indexOf(this.query));
  }

  /** What the prompt shows while searching. */
  get prompt(): string {
    return `(${this.failed ? 'failed ' : ''}reverse-i-search)'${this.query}': `;
  }

  /** Adds typed text to the query; the current match is kept when it still fits. */
  type(text: string): void {
    this.query += text;
    this.find(Math.max(this.index, 0));
  }

  /** Removes the query's last character and searches again from the newest entry. */
  erase(): void {
    this.query = [...this.query].slice(0, -1).join('');
    this.find(0);
  }

  /** Ctrl-R again: the next older entry that holds the query. */
  older(): void {
    this.find(this.index + 1);
  }

  private find(from: number): void {
    if (this.query === '') {
      this.failed = false;
      return;
    }
    for (let i = from; i < this.entries.length; i++) {
      if (this.entries[i]!.includes(this.query)) {
        this.index = i;
        this.failed = false;
        return;
      }
    }
    // As in bash, a failed search keeps showing the last match.
    this.failed = true;
  }
}
