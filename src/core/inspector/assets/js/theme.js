// Theme: follows the system (prefers-color-scheme) unless the user picked light or dark.
const KEY = 'hookctl-inspector-theme';
const ORDER = ['system', 'light', 'dark'];
const LABELS = { system: '◐ System', light: '☀ Light', dark: '☾ Dark' };

function stored() {
  try {
    return ORDER.includes(localStorage.getItem(KEY)) ? localStorage.getItem(KEY) : 'system';
  } catch {
    return 'system';
  }
}

export function applyTheme(theme = stored()) {
  if (theme === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
}

export function themeLabel() {
  return LABELS[stored()];
}

/** Next theme in the cycle; returns its label. */
export function cycleTheme() {
  const next = ORDER[(ORDER.indexOf(stored()) + 1) % ORDER.length];
  try { localStorage.setItem(KEY, next); } catch { /* private mode: this page only */ }
  applyTheme(next);
  return LABELS[next];
}
