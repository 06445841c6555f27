/** The per-node metrics registry, exposed in the Prometheus text format. */
@Export
@Version("1.0.0")
package io.cairn.common.metrics;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
