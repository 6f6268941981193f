// Resident text in the browser, from the JSON that app.i18n.catalog_json(lang) produces.
//
//   const tr = MadoguchiI18n.create(catalog);
//   el.textContent = tr.t("waiting.please_wait");
//   el.textContent = tr.n("waiting.minutes", 5);            // the count fills the only placeholder
//   el.textContent = tr.t("ended.phone", { phone: "086-000-0000" });
//
// Plural forms are chosen with Intl.PluralRules and the catalogue's _plural_categories (no eval, so a strict
// Content-Security-Policy is fine). A missing key shows the key itself and never throws.
(function (root) {
  "use strict";

  var PLACEHOLDER = /\{([a-z_][a-z0-9_]*)\}/g;

  function create(catalog) {
    var lang = catalog._bcp47 || catalog._lang || "en";
    var categories = catalog._plural_categories || ["one", "other"];
    var rules = new Intl.PluralRules(lang);
    var numbers = new Intl.NumberFormat(lang);

    function show(value) {
      return typeof value === "number" ? numbers.format(value) : String(value);
    }

    function fill(text, params) {
      return text.replace(PLACEHOLDER, function (whole, name) {
        return Object.prototype.hasOwnProperty.call(params, name) ? show(params[name]) : whole;
      });
    }

    function formIndex(count) {
      var index = categories.indexOf(rules.select(Math.abs(count)));
      return index < 0 ? categories.length - 1 : index;
    }

    function t(key, params) {
      var text = Object.prototype.hasOwnProperty.call(catalog, key) ? catalog[key] : key;
      if (Array.isArray(text)) text = text[formIndex(1)];
      return fill(text, params || {});
    }

    function n(key, count, params) {
      var forms = Object.prototype.hasOwnProperty.call(catalog, key) ? catalog[key] : key;
      if (!Array.isArray(forms)) return fill(forms, params || {});
      var text = forms[Math.min(formIndex(count), forms.length - 1)];
      var values = Object.assign({}, params || {});
      var names = (text.match(PLACEHOLDER) || []).map(function (p) { return p.slice(1, -1); });
      var unique = names.filter(function (name, i) { return names.indexOf(name) === i; });
      if (unique.length === 1 && !(unique[0] in values)) values[unique[0]] = count;
      return fill(text, values);
    }

    return { lang: catalog._lang, dir: catalog._dir || "ltr", t: t, n: n };
  }

  var api = { create: create };
  if (typeof module === "object" && module.exports) module.exports = api;
  root.MadoguchiI18n = api;
})(typeof globalThis !== "undefined" ? globalThis : this);
