// Make the vendored widget bundle find its own files (fonts) next to it, offline.
// Loaded after require.js and before embed-amd.js on pages with widgets (see nb_ipywidgets_js
// in book/_config.yml). Each AMD module in embed-amd.js ("@jupyter-widgets/base",
// "@jupyter-widgets/html-manager/dist/libembed-amd", ...) derives the URL of its fonts from
// its module id resolved against RequireJS's baseUrl, which is the page's folder; without
// these paths, fonts are requested from <page folder>/@jupyter-widgets/... and 404.
(function () {
  var folder = document.currentScript.src.replace(/[^/]*$/, "") + "jupyter-widgets/";
  window.__jupyter_widgets_assets_path__ = folder;
  var dir = folder.slice(0, -1);
  require.config({
    paths: { "@jupyter-widgets": dir, "@jupyter-widgets/html-manager/dist": dir },
  });
})();
