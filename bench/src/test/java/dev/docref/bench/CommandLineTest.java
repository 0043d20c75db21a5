package dev.docref.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import java.util.stream.Stream;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What every harness's option parser does alike: the usage errors {@link CommandLine#parseOrExit} reports. */
class CommandLineTest
{
    /** Each harness's parser, with one of its options that takes a value. */
    static Stream<Arguments> parsers()
    {
        return Stream.of(
            Arguments.of("GrowthPauseHarness", (Function<String[], ?>)GrowthPauseHarness.Options::parse, "--entries"),
            Arguments.of("ScaleHarness", (Function<String[], ?>)ScaleHarness.Options::parse, "--max-entries"),
            Arguments.of("QuickComparison", (Function<String[], ?>)QuickComparison.Options::parse, "--sizes"),
            Arguments.of("FillProfile", (Function<String[], ?>)FillProfile.Options::parse, "--entries"),
            Arguments.of("GrowthMemoryModel", (Function<String[], ?>)GrowthMemoryModel.Options::parse, "--sizes"),
            Arguments.of("SpillSimulation", (Function<String[], ?>)SpillSimulation.Options::parse, "--trials"),
            Arguments.of("MachineStalls", (Function<String[], ?>)MachineStalls::parseOptions, "--seconds"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("parsers")
    void anUnknownLastArgumentIsNamedAsUnknownNotAsMissingItsValue(final String harness,
        final Function<String[], ?> parser, final String option)
    {
        final IllegalArgumentException unknown =
            assertThrows(IllegalArgumentException.class, () -> parser.apply(new String[] {"--verbose"}));
        assertTrue(unknown.getMessage().startsWith("unknown ") && unknown.getMessage().contains("'--verbose'"),
            unknown.getMessage());
        assertFalse(unknown.getMessage().contains("needs a value"), unknown.getMessage());

        final IllegalArgumentException missing =
            assertThrows(IllegalArgumentException.class, () -> parser.apply(new String[] {option}));
        assertEquals(option + " needs a value", missing.getMessage());
    }

    /** The parsers of the harnesses that write a report with {@code --out}. */
    static Stream<Arguments> writers()
    {
        return Stream.of(
            Arguments.of("GrowthPauseHarness", (Function<String[], ?>)GrowthPauseHarness.Options::parse),
            Arguments.of("ScaleHarness", (Function<String[], ?>)ScaleHarness.Options::parse),
            Arguments.of("QuickComparison", (Function<String[], ?>)QuickComparison.Options::parse),
            Arguments.of("GrowthMemoryModel", (Function<String[], ?>)GrowthMemoryModel.Options::parse),
            Arguments.of("SpillSimulation", (Function<String[], ?>)SpillSimulation.Options::parse));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("writers")
    void anOutputPathThatCannotBeAFileIsRefusedBeforeAnyWork(final String harness, final Function<String[], ?> parser,
        @TempDir final Path dir) throws IOException
    {
        // A directory: the harness ran to the end, then failed writing with a stack trace.
        final IllegalArgumentException directory =
            assertThrows(IllegalArgumentException.class, () -> parser.apply(new String[] {"--out", dir.toString()}));
        assertTrue(directory.getMessage().startsWith("--out " + dir + " is a directory") &&
            directory.getMessage().contains("name a file"), directory.getMessage());

        // A path under a file.
        final Path file = Files.writeString(dir.resolve("results.md"), "earlier results\n");
        final String underFile = file.resolve("more.md").toString();
        final IllegalArgumentException notDirectory =
            assertThrows(IllegalArgumentException.class, () -> parser.apply(new String[] {"--out", underFile}));
        assertTrue(notDirectory.getMessage().startsWith("--out " + underFile + " cannot be written: " + file +
            " is a file"), notDirectory.getMessage());

        // A file that exists, or one in directories still to be made, is fine.
        parser.apply(new String[] {"--out", file.toString()});
        parser.apply(new String[] {"--out", dir.resolve("new/dir/results.md").toString()});
    }

    /** Each option that takes a comma-separated list, with a list that has an empty element. */
    static Stream<Arguments> listsWithAnEmptyElement()
    {
        final Function<String[], ?> quick = QuickComparison.Options::parse;
        final Function<String[], ?> growth = args -> GrowthPauseHarness.Options.parse(
            Stream.concat(Stream.of("--entries", "1000"), Stream.of(args)).toArray(String[]::new));
        final Function<String[], ?> model = GrowthMemoryModel.Options::parse;
        return Stream.of(
            Arguments.of(quick, "--maps", "presized,fastutil,"),
            Arguments.of(quick, "--benchmarks", "GetHitBenchmark,"),
            Arguments.of(quick, "--sizes", "1000,"),
            Arguments.of(quick, "--get-sizes", ",1000"),
            Arguments.of(growth, "--maps", "presized,,fastutil"),
            Arguments.of(model, "--strategies", "today,"),
            Arguments.of(model, "--sizes", "10000000,"),
            Arguments.of(model, "--classes", "5,6,7,8,"));
    }

    /** A trailing comma used to be dropped silently: --maps presized,fastutil, ran the two maps. */
    @ParameterizedTest
    @MethodSource("listsWithAnEmptyElement")
    void anEmptyElementInAListIsRefusedNamingTheValue(final Function<String[], ?> parser, final String option,
        final String value)
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> parser.apply(new String[] {option, value}));
        assertTrue(ex.getMessage().startsWith(option + " '" + value + "' has an empty element") &&
            ex.getMessage().contains("separate the elements with single commas, such as " + option + " " +
            String.join(",", value.replaceAll("^,|,$", "").replace(",,", ","))), ex.getMessage());
        parser.apply(new String[] {option, value.replaceAll("^,|,$", "").replace(",,", ",")});
    }
}
