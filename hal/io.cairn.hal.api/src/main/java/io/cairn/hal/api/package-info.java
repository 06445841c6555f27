/**
 * Hardware abstraction layer API. Every interface here is implemented by a HAL provider bundle
 * and consumed by the storage and cluster layers.
 */
@Export
@Version("1.0.0")
package io.cairn.hal.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
