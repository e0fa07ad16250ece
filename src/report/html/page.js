(function () {
  "use strict";
  var table = document.querySelector("table.mx");
  if (table) {
    var lit = [];
    table.addEventListener("mouseover", function (e) {
      var td = e.target.closest ? e.target.closest("td") : null;
      for (var i = 0; i < lit.length; i++) lit[i].classList.remove("hl");
      lit = [];
      if (!td) return;
      var head = table.querySelector("tr.ids").cells[td.cellIndex - 1];
      var row = td.parentNode.cells[0];
      if (head) lit.push(head);
      if (row) lit.push(row);
      for (var j = 0; j < lit.length; j++) lit[j].classList.add("hl");
    });
  }
  document.documentElement.setAttribute("data-script", "ran");
})();
