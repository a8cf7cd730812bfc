// Starts GraphiQL on the page's own /graphql (HTTP and WebSocket), with the Headers tab holding the
// Authorization line to complete. Loaded as a file, not inline, so the page's CSP allows no inline script.
(function () {
  'use strict';
  var url = window.location.href.split(/[?#]/)[0];
  var fetcher = GraphiQL.createFetcher({
    url: url,
    // The Headers tab travels in connection_init too: the server authenticates WebSockets from it.
    subscriptionUrl: url.replace(/^http/, 'ws'),
  });
  var headers = '{\n  "Authorization": "Bearer "\n}';
  ReactDOM.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      headers: headers,
      defaultHeaders: headers,
      isHeadersEditorEnabled: true,
      defaultEditorToolsVisibility: 'headers',
      // A bearer token is a secret: keep it out of the browser's storage.
      shouldPersistHeaders: false,
    }),
    document.getElementById('graphiql'),
  );
})();
