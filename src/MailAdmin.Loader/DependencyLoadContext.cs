using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Runtime.Loader;

namespace MailAdmin.Loader;

/// <summary>
/// PowerShell 7: the module's own assembly load context, holding MailAdmin.Engine and every
/// assembly of the module's deps/ folder (MailKit, MimeKit, BouncyCastle, DnsClient, and the
/// System.* backports the runtime lacks). Another module's MailKit or BouncyCastle in the
/// default context (Mailozaurr, PnP, Az, EXO...) then never meets ours, whichever loads first.
/// <para>
/// Only MailAdmin.dll (the cmdlets) and this loader are in the default context. The cmdlets name no dependency type,
/// only the engine's (the engine project keeps its packages' compile assets private, so the
/// build fails otherwise). When the runtime binds MailAdmin.dll's reference to
/// MailAdmin.Engine, the default context does not find it (it sits in deps/, out of every
/// probing path) and asks its Resolving handlers: ours answers with the engine loaded here,
/// and all the engine's own references resolve through <see cref="Load"/>.
/// </para>
/// <para>
/// The loader targets netstandard2.0 (one build for Windows PowerShell 5.1 too), which has
/// no AssemblyLoadContext; it compiles against System.Runtime.Loader's reference assembly, and
/// only <see cref="DependencyLoading"/> touches this class, after checking the runtime is .NET
/// (Core). Windows PowerShell keeps the AppDomain resolver: it has no load contexts.
/// </para>
/// </summary>
internal sealed class DependencyLoadContext : AssemblyLoadContext
{
    /// <summary>The one our reference to the engine binds to, whatever the imports after it.</summary>
    private static DependencyLoadContext? _instance;
    private static readonly object Gate = new object();

    private readonly string _folder;
    private readonly Dictionary<string, string> _platform;

    private DependencyLoadContext(string folder)
    {
        _folder = folder;
        _platform = PlatformAssemblies();
    }

    /// <summary>
    /// Creates the context and hooks the default context's resolution of MailAdmin.Engine to
    /// it; once per process (a second import, after Remove-Module or with -Force, finds the
    /// MailAdmin.dll already loaded in the default context, bound to the same engine).
    /// </summary>
    public static void Install(string folder)
    {
        lock (Gate)
        {
            if (_instance != null) return;
            _instance = new DependencyLoadContext(folder);
            Default.Resolving += ResolveEngine;
        }
    }

    /// <summary>The default context asks only for what it could not find: we answer for the engine alone.</summary>
    private static Assembly? ResolveEngine(AssemblyLoadContext context, AssemblyName name) =>
        string.Equals(name.Name, EngineName, StringComparison.OrdinalIgnoreCase) ? _instance!.LoadFromAssemblyName(name) : null;

    private const string EngineName = "MailAdmin.Engine";

    /// <summary>
    /// An assembly of deps/ loads here, unless the runtime itself has it at the version asked
    /// or later (System.Memory, System.Buffers, System.Formats.Asn1... are backports built into
    /// .NET; two copies of one would make two types of Span or Asn1 that do not mix). Anything
    /// else (the framework, System.Management.Automation) comes from the default context, shared.
    /// </summary>
    protected override Assembly? Load(AssemblyName name)
    {
        if (name.Name == null) return null;
        var path = Path.Combine(_folder, name.Name + ".dll");
        if (!File.Exists(path)) return null;
        if (_platform.TryGetValue(name.Name, out var platformPath) && !Newer(name, platformPath)) return null;
        return LoadFromAssemblyPath(path);
    }

    /// <summary>True when the version asked for is above the one the runtime has.</summary>
    private static bool Newer(AssemblyName wanted, string platformPath)
    {
        try
        {
            return wanted.Version != null && AssemblyName.GetAssemblyName(platformPath).Version < wanted.Version;
        }
        catch (Exception ex) when (ex is IOException || ex is BadImageFormatException || ex is UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The assemblies the runtime and PowerShell bring (the trusted platform assemblies), by simple name.</summary>
    private static Dictionary<string, string> PlatformAssemblies()
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var list = AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string ?? "";
        foreach (var path in list.Split(new[] { Path.PathSeparator }, StringSplitOptions.RemoveEmptyEntries))
            result[Path.GetFileNameWithoutExtension(path)] = path;
        return result;
    }
}
