/** The cluster-wide alert and event bus: severities, acknowledgement, subscribers. */
@Export
@Version("1.0.0")
package io.cairn.common.alerts;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
