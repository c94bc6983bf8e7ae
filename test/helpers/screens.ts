/** Every screen of the web UI, with the selector that appears once it shows content. */
export interface Screen {
  name: string;
  url: string;
  content: string;
}

export function appScreens(itemId: string): Screen[] {
  return [
    { name: 'browse', url: '/', content: 'main .card' },
    { name: 'item', url: `/item/${encodeURIComponent(itemId)}`, content: '.similar-column .card' },
    { name: 'search', url: '/search?q=dress', content: 'main .card' },
    { name: 'feed', url: '/feed', content: 'main .card' },
    { name: 'assistant', url: '/assistant', content: 'main h1' },
    { name: 'eval', url: '/eval', content: '.metrics-table' },
    { name: 'quality', url: '/quality', content: '.quality-finding, table' },
    { name: 'report', url: '/report', content: '[data-testid="proof-headline"]' },
    { name: 'versions', url: '/versions', content: '.versions-table' },
  ];
}
