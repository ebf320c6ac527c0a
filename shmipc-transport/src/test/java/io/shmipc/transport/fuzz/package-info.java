/**
 * Coverage-guided fuzz tests (Jazzer, JUnit 5 {@code @FuzzTest}) of the frame decoders in shmipc-transport: whole RPC
 * frames with the TTHeader, framed Thrift and Thrift message decoders and the TCP splitter's length check
 * ({@link io.shmipc.transport.fuzz.RpcFrameFuzzTest}), TTHeaders on their own
 * ({@link io.shmipc.transport.fuzz.TTHeaderFuzzTest}) and {@code TApplicationException} bodies
 * ({@link io.shmipc.transport.fuzz.ApplicationExceptionFuzzTest}). Hostile bytes may end only in
 * {@code MalformedFrameException} (or, for exception bodies, in a decoded "unparseable" note), never in an index,
 * allocation or arithmetic error; what decodes re-encodes stably.
 *
 * <h2>How they run</h2>
 * As in shmipc-core (see {@code io.shmipc.core.fuzz}): the {@code fuzz} Surefire execution forks one JVM per
 * {@code *FuzzTest} class with {@code JAZZER_FUZZ=1}; each replays the committed inputs under
 * {@code src/test/resources/io/shmipc/transport/fuzz/<Class>Inputs/<method>/}, then fuzzes.
 * {@code mvn verify} runs each target's {@code @FuzzTest(maxExecutions)} from the fixed seed {@code shmipc.fuzz.seed},
 * cut off at {@code shmipc.fuzz.duration} (10 s); {@code -Pfuzz} fuzzes each for {@code shmipc.fuzz.duration}
 * (5 min by default) from a random seed; {@code -Dshmipc.fuzz.skip} skips them, {@code -Dshmipc.fuzz.tests=...}
 * picks targets. Findings go to {@code target/jazzer/}: copy a crash input under a descriptive name into the class's
 * inputs directory, fix the cause, and add a readable case to {@link io.shmipc.transport.fuzz.FuzzFindingsTest}.
 */
package io.shmipc.transport.fuzz;
