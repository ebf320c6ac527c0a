/**
 * Coverage-guided fuzz tests (Jazzer, JUnit 5 {@code @FuzzTest}) of everything in shmipc-core that decodes bytes a
 * peer controls: control events ({@link io.shmipc.core.fuzz.ControlChannelFuzzTest}), the queue rings
 * ({@link io.shmipc.core.fuzz.EventQueueFuzzTest}) and the buffer region's lists and slice chains
 * ({@link io.shmipc.core.fuzz.BufferPoolFuzzTest}). Each checks that hostile bytes end in
 * {@code ProtocolViolationException} (or a clean end of stream) and never in another exception, an access outside the
 * region, an oversized allocation or an endless loop.
 *
 * <h2>How they run</h2>
 * Jazzer fuzzes only with {@code JAZZER_FUZZ} set, and then only one {@code @FuzzTest} per JVM; without it, it just
 * replays the committed inputs. So the fuzz tests are kept out of Surefire's default execution and run in a second
 * execution, {@code fuzz}, that forks one JVM per {@code *FuzzTest} class (one {@code @FuzzTest} each) with
 * {@code JAZZER_FUZZ=1}. Each JVM first replays every committed input under
 * {@code src/test/resources/io/shmipc/core/fuzz/<Class>Inputs/<method>/}, then fuzzes:
 * <ul>
 *   <li>{@code mvn verify}: the executions each class's {@code @FuzzTest(maxExecutions)} names (a few seconds'
 *   worth) from the fixed libFuzzer seed {@code shmipc.fuzz.seed}, cut off at {@code shmipc.fuzz.duration} (10 s). A
 *   fixed seed and count make the short run repeatable, so a red build points at a code change rather than at luck;
 *   only the time cap, on a very slow or loaded machine, shortens it.</li>
 *   <li>{@code mvn verify -Pfuzz}: {@code shmipc.fuzz.duration} (5 min, e.g. {@code -Dshmipc.fuzz.duration=30m})
 *   per target from a random seed, with no execution limit.</li>
 *   <li>{@code -Dshmipc.fuzz.tests=BufferPoolFuzzTest} fuzzes one target, {@code -Dshmipc.fuzz.skip} none;
 *   {@code -Dtest=...} only selects tests of the default execution. {@code mvn surefire:test -Dtest=BufferPoolFuzzTest}
 *   (no {@code JAZZER_FUZZ}) only replays the committed inputs.</li>
 * </ul>
 * Jazzer's generated corpus and its findings go to {@code target/jazzer/}, never into the source tree.
 *
 * <h2>When a run finds something</h2>
 * The test fails and names the saved input, {@code target/jazzer/crash-<sha1>} (or {@code timeout-<sha1>} for an
 * input that ran past {@code shmipc.fuzz.inputTimeout} seconds). Copy it under a descriptive name into the class's
 * inputs directory, where every later build replays it, fix the cause, and add a readable test of the case to
 * {@link io.shmipc.core.fuzz.FuzzFindingsTest}.
 *
 * <h2>Inputs</h2>
 * Harnesses read their input front to back with {@link io.shmipc.core.fuzz.FuzzInput}: a byte or two choosing the
 * set-up, then a stream of one-byte operations with their arguments, as each class describes. The committed inputs
 * were written by hand to reach the interesting states (valid chains, full rings, wrap-around, every event type).
 */
package io.shmipc.core.fuzz;
