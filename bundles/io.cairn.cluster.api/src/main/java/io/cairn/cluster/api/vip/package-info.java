/**
 * Virtual IP addresses that one node of the cluster holds at a time (the Volumes data services IP,
 * the Prism cluster virtual IP): the elected holder acquires the address, the others keep off it.
 */
@Export
@Version("1.0.0")
package io.cairn.cluster.api.vip;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
