package io.granary.loadtest;

import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.granary.loadtest.GranaryS3.KIB;
import static io.granary.loadtest.GranaryS3.intProp;

import io.gatling.javaapi.core.ScenarioBuilder;
import java.time.Duration;
import java.util.List;

/**
 * Cached 100 KiB GETs: {@code small.objects} (1000) objects of {@code small.size} (100 KiB) are PUT
 * and read once in {@code before()}, then {@code granary.concurrency} (32) users GET random ones
 * back to back (closed model) for {@code granary.seconds} (60). Every GET must answer 200 with the
 * object's size in body bytes.
 */
public class CachedSmallGetSimulation extends GranaryS3.Sim {
  private final int size = intProp("small.size", 100 * KIB);
  private final List<String> keys = GranaryS3.objectKeys("small", intProp("small.objects", 1000), size);
  private final int concurrency = intProp("granary.concurrency", 32);
  private final Duration duration = GranaryS3.seconds("small.seconds", 60);

  private final ScenarioBuilder scn = scenario("cached small GET")
      .exec(s3.getObject("GET " + size / KIB + " KiB (cached)", s -> GranaryS3.randomKey(keys), size));

  {
    closedLoad(scn, concurrency, duration, 120, 1000, 50);
  }

  @Override
  void prepare() throws Exception {
    s3.putAndReadOnce(keys, GranaryS3.randomBytes(size, 1), 8);
  }
}
