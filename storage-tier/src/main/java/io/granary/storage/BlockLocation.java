package io.granary.storage;

import java.nio.file.Path;

/**
 * A committed block file. The file may be evicted at any moment; a reader that already opened it
 * keeps reading (unlinking does not affect open files), one that fails to open it treats the block
 * as not cached.
 */
public record BlockLocation(long blockId, int tier, Path path, long length) {}
