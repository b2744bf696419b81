package io.granary.metadata;

/** What an inode is. */
public enum InodeType {
  FILE,
  DIRECTORY,
  SYMLINK
}
