using Amber.Data.Corpora;

namespace Amber.Cli;

/// <summary>
/// Turns the errors a user can fix (bad input files, bad options, missing folders) into one message on standard error
/// and exit code 2, never a stack trace.
/// </summary>
internal static class CliErrors
{
    /// <summary>Exit code for input or usage errors.</summary>
    public const int InputError = 2;

    /// <summary>Runs <paramref name="action"/>; returns its exit code, or prints the error and returns <see cref="InputError"/>.</summary>
    public static async Task<int> RunAsync(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception e) when (e is DataFormatException or ArgumentException or IOException or UnauthorizedAccessException or InvalidDataException or FormatException)
        {
            await System.Console.Error.WriteLineAsync("error: " + e.Message);
            return InputError;
        }
    }

    /// <summary>Synchronous form of <see cref="RunAsync"/>.</summary>
    public static int Run(Func<int> action) => RunAsync(() => Task.FromResult(action())).GetAwaiter().GetResult();
}
