package io.granary.storage.ufs.support;

/**
 * The order of object-store keys: by UTF-8 bytes, which is the order of Unicode code points.
 * {@link String#compareTo} compares UTF-16 units instead and puts U+E000..U+FFFF after the
 * supplementary characters.
 */
public final class KeyOrder {
  private KeyOrder() {}

  public static int compare(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int ca = a.codePointAt(i);
      int cb = b.codePointAt(j);
      if (ca != cb) {
        return Integer.compare(ca, cb);
      }
      i += Character.charCount(ca);
      j += Character.charCount(cb);
    }
    return Boolean.compare(i < a.length(), j < b.length());
  }
}
