// Starts GraphiQL on the page's own /graphql (HTTP and WebSocket), with the Headers tab holding the
// Authorization line to complete. Loaded as a file, not inline, so the page's CSP allows no inline script.
(function () {
  'use strict';
  var url = window.location.href.split(/[?#]/)[0];
  var send = GraphiQL.createFetcher({
    url: url,
    // The Headers tab travels in connection_init too: the server authenticates WebSockets from it.
    subscriptionUrl: url.replace(/^http/, 'ws'),
  });
  // Until a token is pasted, the Authorization line is "Bearer " alone: leave it out, so that the
  // schema's docs load anonymously (introspection) instead of failing on an empty credential.
  function fetcher(params, options) {
    var headers = Object.assign({}, (options && options.headers) || {});
    Object.keys(headers).forEach(function (name) {
      if (name.toLowerCase() === 'authorization' && /^\s*Bearer\s*$/i.test(String(headers[name]))) {
        delete headers[name];
      }
    });
    return send(params, Object.assign({}, options, { headers: headers }));
  }
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
