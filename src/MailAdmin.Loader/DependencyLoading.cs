using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace MailAdmin.Loader;

/// <summary>
/// Makes MailAdmin.Engine, MailKit, MimeKit and the other dependencies in the module's deps/
/// folder findable. On PowerShell 7 they load in the module's own load context (see
/// <see cref="DependencyLoadContext"/>), apart from any other module's copies. Windows
/// PowerShell 5.1 has no load contexts: there an AppDomain resolver loads them from deps/,
/// and a different version of one that another module loaded first can still clash.
/// <para>
/// Why a nested module of its own: Import-Module reads every type of a module's assembly
/// before it runs that assembly's OnImport, and the cmdlets' base classes and parameters are
/// engine types. The manifest's NestedModules load first, so this assembly's OnImport runs
/// before PowerShell reads MailAdmin.dll. A binary, not a script: no execution policy to
/// meet, and no script engine to start during the import.
/// </para>
/// </summary>
/// <remarks>This assembly references nothing of ours and no dependency.</remarks>
public sealed class DependencyLoading : IModuleAssemblyInitializer
{
    private static readonly string DependencyFolder =
        Path.Combine(Path.GetDirectoryName(typeof(DependencyLoading).Assembly.Location) ?? ".", "deps");

    /// <summary>.NET (Core), where PowerShell 7 runs: its core library is System.Private.CoreLib.</summary>
    private static bool HasLoadContexts => typeof(object).Assembly.GetName().Name == "System.Private.CoreLib";

    /// <summary>
    /// Idempotent (a second import, after Remove-Module or with -Force, finds it in place). The
    /// resolver and the context stay after Remove-Module: MailAdmin.dll cannot unload, and a
    /// new import of it binds to the same engine.
    /// </summary>
    public void OnImport()
    {
        if (HasLoadContexts) InstallLoadContext();
        else
        {
            AppDomain.CurrentDomain.AssemblyResolve -= ResolveDependency;
            AppDomain.CurrentDomain.AssemblyResolve += ResolveDependency;
        }
    }

    // Its own method, not inlined: on Windows PowerShell, JIT-compiling a method that names
    // AssemblyLoadContext would fail, so only this one may, and it runs only on .NET.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void InstallLoadContext() => DependencyLoadContext.Install(DependencyFolder);

    private static Assembly? ResolveDependency(object? sender, ResolveEventArgs args)
    {
        var name = new AssemblyName(args.Name).Name;
        if (name == null) return null;
        var candidate = Path.Combine(DependencyFolder, name + ".dll");
        return File.Exists(candidate) ? Assembly.LoadFrom(candidate) : null;
    }
}
