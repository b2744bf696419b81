package io.granary.metadata;

/**
 * Keyed tables beside the namespace, for state that later features keep in the same crash-safe
 * transactions: multipart uploads and the asynchronous persist queue.
 */
public enum Table {
  UPLOADS("uploads"),
  PERSIST_QUEUE("persist_queue");

  private final String dbName;

  Table(String dbName) {
    this.dbName = dbName;
  }

  public String dbName() {
    return dbName;
  }
}
