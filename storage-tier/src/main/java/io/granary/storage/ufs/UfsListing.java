package io.granary.storage.ufs;

import java.util.List;

/**
 * One page of a directory listing.
 *
 * @param entries   immediate children, files and directories, in key order
 * @param nextToken pass to the next {@link UnderStorage#list} call; null when this was the last page
 */
public record UfsListing(List<UfsStatus> entries, String nextToken) {
  public UfsListing {
    entries = List.copyOf(entries);
  }
}
