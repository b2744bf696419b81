package io.granary.metadata;

/** A directory entry: a name in a parent directory and the inode it points at. */
public record DirEntry(String name, long childId) {}
