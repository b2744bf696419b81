package io.granary.metadata;

/**
 * Keyed tables beside the namespace, for state that later features keep in the same crash-safe
 * transactions: multipart uploads and the asynchronous persist queue.
 */
public enum Table {
  UPLOADS("uploads"),
  PERSIST_QUEUE("persist_queue"),
  /** Files with a time to live, keyed by expiry time then inode id, so due ones are one range scan. */
  TTL("ttl");

  private final String dbName;

  Table(String dbName) {
    this.dbName = dbName;
  }

  public String dbName() {
    return dbName;
  }
}
