package io.cairn.common.pages;

import java.util.List;
import java.util.Map;

/**
 * A plain HTML page built from parts that escape every string they are given, so text a node or a
 * user provided (names, reasons, error messages) never becomes markup. Links accept only
 * {@code http:}, {@code https:} and same-site ({@code /...}) targets.
 */
public final class HtmlPage {

    private static final String STYLE = "body{font-family:sans-serif;margin:1em 2em}table{border-collapse:collapse;margin:.3em 0 1em}"
            + "th,td{border:1px solid #bbb;padding:2px 8px;text-align:left;vertical-align:top}th{background:#eee}"
            + "dt{font-weight:bold;float:left;clear:left;width:14em}dd{margin-left:15em}p.note{color:#555}";

    private final StringBuilder body = new StringBuilder();
    private final String title;

    public HtmlPage(String title) {
        this.title = title;
        body.append("<h1>").append(escape(title)).append("</h1>\n");
    }

    /** {@code s} with {@code & < > " '} replaced by entities: safe as element text and as a quoted attribute value. */
    public static String escape(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    public HtmlPage heading(String text) {
        body.append("<h2>").append(escape(text)).append("</h2>\n");
        return this;
    }

    public HtmlPage subheading(String text) {
        body.append("<h3>").append(escape(text)).append("</h3>\n");
        return this;
    }

    public HtmlPage paragraph(String text) {
        body.append("<p>").append(escape(text)).append("</p>\n");
        return this;
    }

    /** A greyed remark, e.g. why a section is empty. */
    public HtmlPage note(String text) {
        body.append("<p class=\"note\">").append(escape(text)).append("</p>\n");
        return this;
    }

    /** A paragraph {@code label <a href=...>text</a>}. */
    public HtmlPage link(String label, String href, String text) {
        body.append("<p>").append(escape(label)).append(label.isEmpty() ? "" : " ").append("<a href=\"").append(escape(checkedHref(href)))
                .append("\">").append(escape(text)).append("</a></p>\n");
        return this;
    }

    /** Name/value pairs, in the map's order. */
    public HtmlPage fields(Map<String, String> fields) {
        body.append("<dl>\n");
        fields.forEach((k, v) -> body.append("<dt>").append(escape(k)).append("</dt><dd>").append(escape(v)).append("</dd>\n"));
        body.append("</dl>\n");
        return this;
    }

    /** A table; {@code empty} is shown instead when there are no rows. */
    public HtmlPage table(List<String> headers, List<List<String>> rows, String empty) {
        if (rows.isEmpty()) {
            return note(empty);
        }
        body.append("<table>\n<tr>");
        headers.forEach(h -> body.append("<th>").append(escape(h)).append("</th>"));
        body.append("</tr>\n");
        for (List<String> row : rows) {
            body.append("<tr>");
            row.forEach(c -> body.append("<td>").append(escape(c)).append("</td>"));
            body.append("</tr>\n");
        }
        body.append("</table>\n");
        return this;
    }

    public String render() {
        return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + escape(title) + "</title><style>" + STYLE
                + "</style></head>\n<body>\n" + body + "</body></html>\n";
    }

    private static String checkedHref(String href) {
        String h = href.strip();
        boolean local = h.startsWith("/") && !h.startsWith("//");
        if (!local && !h.startsWith("http://") && !h.startsWith("https://")) {
            throw new IllegalArgumentException("a page links only to http(s) or same-site targets, not '" + href + "'");
        }
        return h;
    }
}
