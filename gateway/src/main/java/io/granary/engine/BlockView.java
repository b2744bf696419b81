package io.granary.engine;

import java.nio.file.Path;
import java.util.Optional;

/**
 * One block of a file as a client sees it.
 *
 * @param index  position in the file
 * @param offset first byte in the file
 * @param length bytes
 * @param tier   the tier holding it, empty if not cached
 * @param file   the block file, when cached
 */
public record BlockView(int index, long offset, long length, Optional<String> tier, Optional<Path> file) {
  public boolean cached() {
    return file.isPresent();
  }
}
