/** A project file found (by src/config/discover.ts) and read, before it is checked (load.ts). */
export interface FoundFile {
  /** Absolute path of hookctl.json, or of the package.json holding the "hookctl" key. */
  file: string;
  text: string;
  /** "hookctl" when the settings are package.json's "hookctl" key. */
  key?: 'hookctl';
  /** How it was found, for `hookctl config`. */
  via: 'flag' | 'env' | 'search';
}
