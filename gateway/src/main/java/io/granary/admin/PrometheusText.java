package io.granary.admin;

import java.util.Locale;

/** Writes the Prometheus text exposition format (version 0.0.4). */
final class PrometheusText {
  private final StringBuilder out = new StringBuilder(4096);
  private String current;

  /** Starts a metric family: its HELP and TYPE lines. */
  PrometheusText family(String name, String type, String help) {
    current = name;
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    return this;
  }

  PrometheusText sample(long value) {
    out.append(current).append(' ').append(value).append('\n');
    return this;
  }

  PrometheusText sample(double value) {
    out.append(current).append(' ').append(String.format(Locale.ROOT, "%.6f", value)).append('\n');
    return this;
  }

  PrometheusText sample(String label, String labelValue, long value) {
    out.append(current).append('{').append(label).append("=\"")
        .append(labelValue.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n"))
        .append("\"} ").append(value).append('\n');
    return this;
  }

  @Override
  public String toString() {
    return out.toString();
  }
}
