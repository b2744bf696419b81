/** Benchmark drivers and harnesses: run by hand or by scripts in load-tests/, never by mvn verify. */
package io.granary.loadtest;
