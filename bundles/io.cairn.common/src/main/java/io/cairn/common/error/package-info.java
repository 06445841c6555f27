/** The management-plane error: one exception type, one error-code enum. */
@Export
@Version("1.0.0")
package io.cairn.common.error;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
