// The hookctl inspector's page: plain ES modules, no framework, no network beyond this origin.
import { api } from './api.js';
import { App } from './app.js';
import { apiParams, readFilters } from './filters.js';
import { PAGE_SIZE } from './list.js';
import { h } from './dom.js';
import { useVocabulary } from './format.js';
import { applyTheme } from './theme.js';

// The URL hookctl printed carries the access token once: the server has answered it with a
// cookie, so it leaves the address bar (and the history, bookmarks and screen shares).
const opened = new URLSearchParams(location.search);
if (opened.has('token')) {
  opened.delete('token');
  const rest = opened.toString();
  history.replaceState(null, '', `${location.pathname}${rest ? `?${rest}` : ''}${location.hash}`);
}

applyTheme();

async function boot() {
  // The first page is asked for alongside the info, not after it.
  const firstPage = api.list(apiParams(readFilters(), { limit: PAGE_SIZE }));
  firstPage.catch(() => {});
  try {
    const info = await api.info();
    useVocabulary(info.vocabulary);
    const app = new App(document.body, info);
    await app.start(firstPage);
  } catch (error) {
    document.body.replaceChildren(h('div', { class: 'empty' }, h('h2', { text: 'The inspector could not start' }), h('p', { text: error.message })));
  }
}

boot();
