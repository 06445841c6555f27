/**
 * Per-service diagnostic pages (spec 10 §20.3: Stargate 2009, Curator 2010, Chronos 2011): a small
 * read-mostly HTTP server on the node's own address, plain HTML built with {@link
 * io.cairn.common.pages.HtmlPage} (every string escaped) and JSON variants for scripts. It serves
 * unauthenticated HTTP like the reference system's pages; Prism (HTTPS, RBAC) is the user-facing
 * surface.
 */
@Export
@Version("1.0.0")
package io.cairn.common.pages;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
