/* Staff forms, enhanced. Every form works without this file:
 * - link <select>s (select[data-lookup]) become search-as-you-type fields
 *   asking /staff/lookup/<type>/?q=…; the <select> stays the value sent;
 * - "Add another source/actor" adds a row on the page instead of reloading
 *   it (so that chosen files are kept);
 * - the season field shows only when the date's precision is "season". */
(function () {
  "use strict";

  var DELAY = 200;
  var counter = 0;

  // Translated texts come from the form: <form data-lookup-none="…">.
  function text(key, fallback) {
    var node = document.querySelector("form[data-lookup-none]");
    return (node && node.dataset[key]) || fallback;
  }

  function chosenOptions(select) {
    return Array.prototype.filter.call(select.options, function (option) {
      return option.selected && option.value !== "";
    });
  }

  function enhance(select) {
    if (select.dataset.enhanced) return;
    select.dataset.enhanced = "1";
    counter += 1;
    var id = (select.id || "lookup" + counter) + "_search";
    var listId = id + "_list";

    var box = document.createElement("div");
    box.className = "lookup-widget";
    var chosen = document.createElement("ul");
    chosen.className = "lookup-chosen";
    chosen.setAttribute("aria-live", "polite");
    var input = document.createElement("input");
    input.type = "text";
    input.id = id;
    input.autocomplete = "off";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);
    input.placeholder = text("lookupPlaceholder", "Type to search…");
    if (select.getAttribute("aria-describedby")) {
      input.setAttribute("aria-describedby", select.getAttribute("aria-describedby"));
    }
    if (select.getAttribute("aria-invalid")) input.setAttribute("aria-invalid", "true");
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "lookup-results";
    list.setAttribute("role", "listbox");
    list.hidden = true;

    // The field's label now names the search box; the <select> is hidden but still sent.
    var label = select.id && document.querySelector('label[for="' + select.id + '"]');
    if (label) {
      label.setAttribute("for", id);
      list.setAttribute("aria-label", label.textContent);
    }
    select.hidden = true;
    select.setAttribute("aria-hidden", "true");
    select.tabIndex = -1;
    box.appendChild(chosen);
    box.appendChild(input);
    box.appendChild(list);
    select.parentNode.insertBefore(box, select.nextSibling);

    var timer = null;
    var active = -1;
    var results = [];
    var request = 0;

    function showChosen() {
      chosen.innerHTML = "";
      chosenOptions(select).forEach(function (option) {
        var item = document.createElement("li");
        var name = document.createElement("span");
        name.textContent = option.textContent;
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "lookup-remove";
        remove.textContent = "×";
        remove.setAttribute("aria-label", text("lookupRemove", "Remove") + ": " + option.textContent);
        remove.addEventListener("click", function () {
          option.selected = false;
          if (!select.multiple) select.value = "";
          showChosen();
          input.focus();
        });
        item.appendChild(name);
        item.appendChild(document.createTextNode(" "));
        item.appendChild(remove);
        chosen.appendChild(item);
      });
    }

    function close() {
      list.hidden = true;
      list.innerHTML = "";
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
      results = [];
    }

    function highlight(index) {
      var items = list.querySelectorAll("li[role=option]");
      if (!items.length) return;
      active = (index + items.length) % items.length;
      Array.prototype.forEach.call(items, function (item, position) {
        item.setAttribute("aria-selected", position === active ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({ block: "nearest" });
    }

    function choose(result) {
      var option = Array.prototype.find.call(select.options, function (o) {
        return o.value === String(result.id);
      });
      if (!option) {
        option = new Option(result.label, String(result.id));
        select.appendChild(option);
      }
      if (!select.multiple) select.value = String(result.id);
      option.selected = true;
      select.dispatchEvent(new Event("change", { bubbles: true }));
      input.value = "";
      close();
      showChosen();
    }

    function show(found) {
      results = found;
      list.innerHTML = "";
      if (!found.length) {
        var none = document.createElement("li");
        none.className = "lookup-none";
        none.textContent = text("lookupNone", "Nothing found. Not in the list? Add it below.");
        list.appendChild(none);
      }
      found.forEach(function (result, index) {
        var item = document.createElement("li");
        item.id = listId + "_" + index;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.textContent = result.label;
        item.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(result);
        });
        list.appendChild(item);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function search() {
      var query = input.value.trim();
      if (!query) {
        close();
        return;
      }
      var url = select.dataset.lookup;
      url += (url.indexOf("?") === -1 ? "?" : "&") + "q=" + encodeURIComponent(query);
      var mine = ++request;
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.ok ? response.json() : { results: [] };
        })
        .then(function (data) {
          if (mine === request) show(data.results || []);
        })
        .catch(function () {
          close();
        });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(search, DELAY);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (list.hidden) search();
        else highlight(active + 1);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight(active - 1);
      } else if (event.key === "Enter") {
        if (!list.hidden && results.length) {
          event.preventDefault();
          choose(results[active >= 0 ? active : 0]);
        }
      } else if (event.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", function () {
      setTimeout(close, 150);
    });
    showChosen();
  }

  function enhanceAll(root) {
    Array.prototype.forEach.call(root.querySelectorAll("select[data-lookup]"), enhance);
  }

  function addRow(button) {
    var prefix = button.dataset.formset;
    var template = document.getElementById(prefix + "-template");
    var total = document.querySelector('input[name="' + prefix + '-TOTAL_FORMS"]');
    var container = document.querySelector('div[data-formset="' + prefix + '"]');
    if (!template || !total || !container) return false;
    var index = parseInt(total.value, 10) || 0;
    var holder = document.createElement("div");
    holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index));
    var row = holder.firstElementChild;
    container.appendChild(row);
    total.value = String(index + 1);
    enhanceAll(row);
    var first = row.querySelector("input:not([type=hidden]), select:not([hidden]), textarea");
    if (first) first.focus();
    return true;
  }

  function seasonToggle(form) {
    var precision = form.querySelector('select[name$="date_precision"]');
    var season = form.querySelector('[id="field-date_season"]');
    if (!precision || !season) return;
    function update() {
      var select = season.querySelector("select");
      season.hidden = precision.value !== "season" && !(select && select.value);
    }
    precision.addEventListener("change", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    enhanceAll(document);
    Array.prototype.forEach.call(document.querySelectorAll("button.add-row[data-formset]"), function (button) {
      button.addEventListener("click", function (event) {
        if (addRow(button)) event.preventDefault();
      });
    });
    Array.prototype.forEach.call(document.querySelectorAll("form.log-form, form.propose-form"), seasonToggle);
  });
})();
