/**
 * Fault-tolerance status (spec 20 §10, §11): how many fault domains (nodes or blocks) each
 * component can lose right now without losing data or quorum, for
 * {@code ncli cluster get-domain-fault-tolerance-status}. Pure computation.
 */
package io.cairn.storage.curator.internal.ft;
