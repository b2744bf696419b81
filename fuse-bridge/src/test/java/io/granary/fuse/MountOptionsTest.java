package io.granary.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MountOptionsTest {

  @Test
  void defaultsAreForReadMostlyTrainingData() {
    String args = String.join(" ", MountOptions.defaults().fuseArgs());
    assertTrue(args.contains("kernel_cache"), args);
    assertTrue(args.contains("entry_timeout=300") && args.contains("attr_timeout=300"), args);
    assertTrue(args.contains("max_read=131072") && args.contains("use_ino"), args);
    assertFalse(args.contains("-s"), "multi-threaded by default: " + args);
    assertFalse(MountOptions.defaults().zeroOpen(), "read-write mounts keep open calls");
    assertFalse(args.contains("hard_remove"), args);
  }

  @Test
  void zeroMessageOpensOnReadOnlyMountsWithTheKernelCache() {
    assertTrue(MountOptions.parse(List.of("ro")).zeroOpen());
    assertFalse(MountOptions.parse(List.of("ro,no_zero_open")).zeroOpen());
    assertFalse(MountOptions.parse(List.of("zero_open")).zeroOpen(), "not on a read-write mount");
    assertFalse(MountOptions.parse(List.of("ro,direct_io")).zeroOpen(), "an open without a call keeps pages");
    assertFalse(MountOptions.parse(List.of("ro,no_kernel_cache")).zeroOpen());
  }

  @Test
  void theKernelReadAheadIsAnOptionInKib() {
    assertEquals(1024, MountOptions.defaults().readAheadKb());
    assertEquals(0, MountOptions.parse(List.of("read_ahead_kb=0")).readAheadKb());
    assertEquals(4096, MountOptions.parse(List.of("read_ahead_kb=4096")).readAheadKb());
    assertFalse(String.join(" ", MountOptions.defaults().fuseArgs()).contains("read_ahead"), "Granary's own, not libfuse's");
  }

  @Test
  void granaryOptionsAreConsumedAndTheRestPassedToLibfuse() {
    MountOptions o = MountOptions.parse(List.of("threads=1,attr_timeout=1.5,no_kernel_cache",
        "prefetch_small=256k,readahead_blocks=0,write_type=THROUGH,ro,max_readahead=1048576"));
    assertEquals(1, o.threads());
    assertEquals(256 * 1024, o.prefetchSmall());
    assertEquals(0, o.readAheadBlocks());
    assertEquals(Map.of("write_type", "THROUGH"), o.backendOptions());
    String args = String.join(" ", o.fuseArgs());
    assertTrue(args.startsWith("-s -o "), args);
    assertTrue(args.contains("attr_timeout=1.5") && args.contains(",ro,max_readahead=1048576"), args);
    assertFalse(args.contains("kernel_cache") || args.contains("THROUGH") || args.contains("prefetch"), args);
  }

  @Test
  void badValuesAreRefusedWithTheOptionNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> MountOptions.parse(List.of("attr_timeout=soon")));
    assertTrue(e.getMessage().contains("attr_timeout"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> MountOptions.parse(List.of("threads=0")));
    assertTrue(e.getMessage().contains("threads"), e.getMessage());
  }
}
