/**
 * The Curator pages on port 2010 (spec 20 §21): {@link io.cairn.storage.curator.internal.page.CuratorPage}
 * renders them from a {@link io.cairn.storage.curator.internal.page.CuratorPage.Source} and handles
 * the manual start; the Chronos page on port 2011: {@link io.cairn.storage.curator.internal.page.ChronosPage}
 * renders every node's task queue from a {@link io.cairn.storage.curator.internal.page.ChronosPage.Source};
 * {@link io.cairn.storage.curator.internal.page.CuratorPages} is the component that serves both with
 * the common {@code PageServer}.
 */
package io.cairn.storage.curator.internal.page;
