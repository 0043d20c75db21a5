package dev.docref.bench;

import java.util.function.Function;
import java.util.stream.Stream;

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
}
