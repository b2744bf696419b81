package io.granary.storage.ufs;

import java.io.InputStream;
import java.util.Objects;
import java.util.Optional;

/**
 * An under-storage that passes every call to another one. Decorators extend it and override only
 * the calls whose behaviour they change.
 */
public abstract class ForwardingUnderStorage implements UnderStorage {
  private final UnderStorage delegate;

  protected ForwardingUnderStorage(UnderStorage delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
  }

  /** The under-storage this one forwards to. */
  protected final UnderStorage delegate() {
    return delegate;
  }

  @Override
  public String uri() {
    return delegate.uri();
  }

  @Override
  public Optional<UfsStatus> stat(String path) {
    return delegate.stat(path);
  }

  @Override
  public UfsListing list(String dir, String continuationToken, int maxKeys) {
    return delegate.list(dir, continuationToken, maxKeys);
  }

  @Override
  public InputStream open(String path, long offset, long length) {
    return delegate.open(path, offset, length);
  }

  @Override
  public void put(String path, InputStream data, long length) {
    delegate.put(path, data, length);
  }

  @Override
  public void mkdirs(String path) {
    delegate.mkdirs(path);
  }

  @Override
  public void delete(String path) {
    delegate.delete(path);
  }

  @Override
  public void rename(String src, String dst) {
    delegate.rename(src, dst);
  }

  @Override
  public void close() {
    delegate.close();
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[" + delegate + "]";
  }
}
