/**
 * The Curator pages on port 2010 (spec 20 §21): {@link io.cairn.storage.curator.internal.page.CuratorPage}
 * renders them from a {@link io.cairn.storage.curator.internal.page.CuratorPage.Source} and handles
 * the manual start; {@link io.cairn.storage.curator.internal.page.CuratorPages} is the component
 * that serves them with the common {@code PageServer}.
 */
package io.cairn.storage.curator.internal.page;
