namespace TimeMark.Tests.Shared;

/// <summary>The dotnet that runs the tests, for starting the built timemark.dll as a child process.</summary>
internal static class DotnetHost
{
    /// <summary>The SDK points DOTNET_HOST_PATH at the dotnet that runs the build and the tests.</summary>
    public static string Path
    {
        get
        {
            string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
            if (host is not null && File.Exists(host))
                return host;
            string? self = Environment.ProcessPath;
            return self is not null && System.IO.Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
        }
    }
}
