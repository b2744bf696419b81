/**
 * Building blocks shared by the {@link io.granary.storage.ufs.UnderStorage} connectors: the data
 * source of a put, the stream returned by an open, and option parsing. Not for callers of the
 * interface.
 */
package io.granary.storage.ufs.support;
