package winmix

// Vocabularies of the Sysmon events other than process creation. Each
// template names the exe key of the acting process (see exes); the process
// itself is looked up on the host, so its GUID and PID match the process
// creation events of the same host.

// netT is a network connection (Sysmon 3). dst is an address pool (see
// addrPools) or a role of the domain's hosts; inbound connections come from
// src to the host itself.
type netT struct {
	w        int
	on       roles
	exe      string
	proto    string
	dst      string
	port     int
	portName string
	inbound  bool
	label    string
}

var nets = []netT{
	{w: 8, on: rWS, exe: "chrome", proto: "tcp", dst: "google", port: 443, portName: "https"},
	{w: 3, on: rWS, exe: "chrome", proto: "udp", dst: "google", port: 443, portName: "https"},
	{w: 3, on: rWS, exe: "chrome", proto: "tcp", dst: "cf", port: 443, portName: "https"},
	{w: 2, on: rWS, exe: "chrome", proto: "tcp", dst: "akamai", port: 443, portName: "https"},
	{w: 2, on: rWS, exe: "chrome", proto: "tcp", dst: "hosting", port: 443, portName: "https"},
	{w: 6, on: rWS, exe: "msedge", proto: "tcp", dst: "msft", port: 443, portName: "https"},
	{w: 2, on: rWS, exe: "msedge", proto: "tcp", dst: "akamai", port: 443, portName: "https"},
	{w: 1, on: rWS, exe: "msedge", proto: "tcp", dst: "hosting", port: 443, portName: "https"},
	{w: 3, on: rWS, exe: "teams", proto: "tcp", dst: "teams", port: 443, portName: "https"},
	{w: 1, on: rWS, exe: "teams", proto: "udp", dst: "teams", port: 3478, portName: "-"},
	{w: 2, on: rWS, exe: "webview2", proto: "tcp", dst: "teams", port: 443, portName: "https"},
	{w: 2, on: rWS, exe: "onedrive", proto: "tcp", dst: "msft", port: 443, portName: "https"},
	{w: 3, on: rWS, exe: "outlook", proto: "tcp", dst: "o365", port: 443, portName: "https"},
	{w: 1, on: rWS, exe: "winword", proto: "tcp", dst: "o365", port: 443, portName: "https"},
	{w: 1, on: rWS, exe: "excel", proto: "tcp", dst: "o365", port: 443, portName: "https"},
	{w: 3, exe: "svchost:wu", proto: "tcp", dst: "msft", port: 443, portName: "https"},
	{w: 1, exe: "svchost:wu", proto: "tcp", dst: "akamai", port: 80, portName: "http"},
	{w: 1, on: rWS, exe: "svchost:do", proto: "tcp", dst: "msft", port: 443, portName: "https"},
	{w: 3, on: rWS | rFS | rWeb, exe: "svchost:dns", proto: "udp", dst: "dc", port: 53, portName: "domain"},
	{w: 2, on: rWS | rFS | rWeb, exe: "lsass", proto: "tcp", dst: "dc", port: 88, portName: "kerberos"},
	{w: 1, on: rWS | rFS | rWeb, exe: "svchost", proto: "tcp", dst: "dc", port: 389, portName: "ldap"},
	{w: 1, on: rWS | rFS | rWeb, exe: "svchost", proto: "tcp", dst: "dc", port: 135, portName: "epmap"},
	{w: 4, on: rWS, exe: "system", proto: "tcp", dst: "fs", port: 445, portName: "microsoft-ds"},
	{w: 1, on: rWS, exe: "system", proto: "tcp", dst: "dc", port: 445, portName: "microsoft-ds"},
	{w: 2, exe: "msmpeng", proto: "tcp", dst: "msft", port: 443, portName: "https"},
	{w: 1, on: rWS, exe: "officec2r", proto: "tcp", dst: "msft", port: 443, portName: "https"},
	{w: 1, on: rWS, exe: "googleupdate", proto: "tcp", dst: "google", port: 443, portName: "https"},
	{w: 1, exe: "edgeupdate", proto: "tcp", dst: "msft", port: 443, portName: "https"},

	{w: 4, on: rDC, exe: "lsass", proto: "tcp", dst: "ws", port: 88, portName: "kerberos", inbound: true},
	{w: 3, on: rDC, exe: "lsass", proto: "tcp", dst: "ws", port: 389, portName: "ldap", inbound: true},
	{w: 4, on: rDC, exe: "dns", proto: "udp", dst: "ws", port: 53, portName: "domain", inbound: true},
	{w: 1, on: rDC, exe: "svchost", proto: "tcp", dst: "ws", port: 135, portName: "epmap", inbound: true},
	{w: 3, on: rDC, exe: "system", proto: "tcp", dst: "ws", port: 445, portName: "microsoft-ds", inbound: true},
	{w: 1, on: rDC, exe: "dfsrs", proto: "tcp", dst: "dc", port: 5722, portName: "-"},
	{w: 8, on: rFS, exe: "system", proto: "tcp", dst: "ws", port: 445, portName: "microsoft-ds", inbound: true},
	{w: 6, on: rWeb, exe: "system", proto: "tcp", dst: "public", port: 443, portName: "https", inbound: true},
	{w: 2, on: rWeb, exe: "system", proto: "tcp", dst: "public", port: 80, portName: "http", inbound: true},
	{w: 1, on: rWeb, exe: "w3wp", proto: "tcp", dst: "fs", port: 1433, portName: "ms-sql-s"},
}

var malNets = []netT{
	// Rundll32 Internet Connection
	{w: 2, exe: "rundll32", proto: "tcp", dst: "bad", port: 443, portName: "https", label: "rundll32_c2"},
	// Potentially Suspicious Malware Callback Communication
	{w: 1, exe: "powershell", proto: "tcp", dst: "bad", port: 4444, portName: "-", label: "ps_callback_4444"},
	// Connection Initiated Via Certutil.EXE
	{w: 1, exe: "certutil", proto: "tcp", dst: "bad", port: 80, portName: "http", label: "certutil_connect"},
	// Outbound Network Connection Initiated By Microsoft Dialer / Regsvr32 network activity
	{w: 1, on: rWS, exe: "regsvr32", proto: "tcp", dst: "bad", port: 80, portName: "http", label: "regsvr32_connect"},
}

// addrPools are public address ranges by operator, with a reverse name
// template where Sysmon would have resolved one. Octets are templated.
var addrPools = map[string]struct{ ip, name string }{
	"google":  {"«|142.250.«n:64-203»|172.217.«n:16-23»|216.58.«n:192-215»».«n:1-254»", "par«n:10-21»s«n:10-60»-in-f«n:1-14».1e100.net"},
	"msft":    {"«|13.107.«n:4-246»|20.«n:40-199».«n:0-255»|52.«n:96-114».«n:0-255»|40.126.«n:0-63»».«n:1-254»", ""},
	"akamai":  {"«|2.16.«n:0-255»|23.«n:32-67».«n:0-255»|2.21.«n:0-255»».«n:1-254»", "a«n:2-23»-«n:16-255»-«n:0-255»-«n:1-254».deploy.static.akamaitechnologies.com"},
	"cf":      {"«|104.«n:16-21».«n:0-255»|172.«n:64-67».«n:0-255»».«n:1-254»", ""},
	"teams":   {"52.«n:112-115».«n:0-255».«n:1-254»", ""},
	"o365":    {"«|52.97.«n:0-255»|40.99.«n:0-255»|40.101.«n:0-255»».«n:1-254»", ""},
	"hosting": {"«|51.«n:68-91».«n:0-255»|185.«n:10-250».«n:0-255»|195.«n:20-250».«n:0-255»».«n:1-254»", ""},
	"public":  {"«|86.«n:192-255».«n:0-255»|90.«n:0-127».«n:0-255»|92.«n:128-191».«n:0-255»|176.«n:128-191».«n:0-255»|78.«n:192-255».«n:0-255»».«n:1-254»", ""},
}

// dnsT is a DNS query (Sysmon 22); res is the QueryResults template.
type dnsT struct {
	w     int
	on    roles
	exe   string
	name  string
	res   string
	label string
}

const (
	resGoogle = "::ffff:142.250.«n:64-203».«n:1-254»;"
	resMS     = "type:  5 «|«a:12».trafficmanager.net|«a:8».azureedge.net|«a:10».cloudapp.net»;::ffff:«|13.107.«n:4-246»|20.«n:40-199».«n:0-255»|52.«n:96-114».«n:0-255»».«n:1-254»;"
	resAkamai = "type:  5 «a:6».dscx.akamaiedge.net;::ffff:2.16.«n:0-255».«n:1-254»;::ffff:2.16.«n:0-255».«n:1-254»;"
	resCF     = "::ffff:104.«n:16-21».«n:0-255».«n:1-254»;::ffff:172.«n:64-67».«n:0-255».«n:1-254»;"
	resHost   = "::ffff:«|51.«n:68-91»|185.«n:10-250»|195.«n:20-250»».«n:0-255».«n:1-254»;"
	resO365   = "type:  5 outlook.ha.office365.com;type:  5 «a:4».prod.outlook.com;::ffff:52.97.«n:0-255».«n:1-254»;::ffff:40.99.«n:0-255».«n:1-254»;"
)

var dnss = []dnsT{
	{w: 4, on: rWS, exe: "chrome", name: "www.google.com", res: resGoogle},
	{w: 2, on: rWS, exe: "chrome", name: "«|fonts.gstatic.com|www.gstatic.com|clients2.google.com|accounts.google.com|content-autofill.googleapis.com|update.googleapis.com|safebrowsing.googleapis.com|optimizationguide-pa.googleapis.com|clientservices.googleapis.com»", res: resGoogle},
	{w: 4, on: rWS, exe: "chrome", name: "«site»", res: "«|" + resCF + "|" + resHost + "|" + resAkamai + "»"},
	{w: 3, on: rWS, exe: "msedge", name: "«|www.bing.com|edge.microsoft.com|ntp.msn.com|assets.msn.com|c.msn.com|config.edge.skype.com|login.microsoftonline.com|browser.events.data.msn.com|api.msn.com»", res: resMS},
	{w: 3, on: rWS, exe: "msedge", name: "«site»", res: "«|" + resCF + "|" + resHost + "|" + resAkamai + "»"},
	{w: 3, on: rWS, exe: "teams", name: "«|teams.microsoft.com|teams.events.data.microsoft.com|statics.teams.cdn.office.net|presence.teams.microsoft.com|login.microsoftonline.com|config.teams.microsoft.com|substrate.office.com»", res: resMS},
	{w: 3, on: rWS, exe: "outlook", name: "«|outlook.office365.com|outlook.office.com|officeclient.microsoft.com|ecs.office.com|nexus.officeapps.live.com|roaming.officeapps.live.com»", res: resO365},
	{w: 1, on: rWS, exe: "outlook", name: "autodiscover.«dns»", res: "«dc».«dns»;::ffff:«ip»;"},
	{w: 2, on: rWS, exe: "onedrive", name: "«|«tenant»-my.sharepoint.com|«tenant».sharepoint.com|g.live.com|oneclient.sfx.ms|api.onedrive.com|skyapi.live.net»", res: resMS},
	{w: 1, on: rWS, exe: "winword", name: "«|officeclient.microsoft.com|ecs.office.com|«tenant»-my.sharepoint.com|messaging.office.com»", res: resMS},
	{w: 4, exe: "svchost", name: "«|settings-win.data.microsoft.com|v10.events.data.microsoft.com|v20.events.data.microsoft.com|login.live.com|time.windows.com|client.wns.windows.com|array«n:501-620».prod.do.dsp.mp.microsoft.com»", res: resMS},
	{w: 2, exe: "svchost:wu", name: "«|ctldl.windowsupdate.com|fe3cr.delivery.mp.microsoft.com|slscr.update.microsoft.com|sls.update.microsoft.com|download.windowsupdate.com»", res: resAkamai},
	{w: 2, on: rWS | rFS | rWeb, exe: "svchost", name: "«|«dc».«dns»|«fs».«dns»|«dns»|_ldap._tcp.dc._msdcs.«dns»|_kerberos._tcp.«dns»»", res: "::ffff:«dcip»;"},
	{w: 2, exe: "msmpeng", name: "«|wdcp.microsoft.com|go.microsoft.com|definitionupdates.microsoft.com|fe3cr.delivery.mp.microsoft.com|wdcpalt.microsoft.com»", res: resMS},
	{w: 1, on: rWS, exe: "edgeupdate", name: "msedge.api.cdp.microsoft.com", res: resMS},
	{w: 1, on: rWS, exe: "googleupdate", name: "update.googleapis.com", res: resGoogle},
	{w: 1, exe: "svchost", name: "wpad.«dns»", res: "-"},
}

var malDNSs = []dnsT{
	// DNS Query To MEGA Hosting Website
	{w: 1, exe: "powershell", name: "userstorage.mega.co.nz", res: "::ffff:31.216.«n:144-147».«n:1-254»;", label: "dns_mega"},
	// Suspicious DNS Query for IP Lookup Service APIs
	{w: 1, exe: "powershell", name: "«|api.ipify.org|checkip.amazonaws.com|ipinfo.io»", res: resCF, label: "dns_ip_lookup"},
	// DNS Query Request By Regsvr32.EXE
	{w: 1, on: rWS, exe: "regsvr32", name: "«baddom»", res: "::ffff:«badip»;", label: "dns_regsvr32"},
}

// dll is a module as Sysmon 7 reports it. signer picks version info and
// signature: "win" (Windows binary), "ms" (other Microsoft), "google",
// "dotnet", "none" (unsigned).
type dll struct {
	path, desc, orig, signer, ver string
}

var dlls = map[string]dll{
	"ntdll":            {sys32 + "ntdll.dll", "NT Layer DLL", "ntdll.dll", "win", ""},
	"kernel32":         {sys32 + "kernel32.dll", "Windows NT BASE API Client DLL", "kernel32", "win", ""},
	"kernelbase":       {sys32 + "KernelBase.dll", "Windows NT BASE API Client DLL", "Kernelbase.dll", "win", ""},
	"user32":           {sys32 + "user32.dll", "Multi-User Windows USER API Client DLL", "user32", "win", ""},
	"advapi32":         {sys32 + "advapi32.dll", "Advanced Windows 32 Base API", "advapi32.dll", "win", ""},
	"combase":          {sys32 + "combase.dll", "Microsoft COM for Windows", "COMBASE.DLL", "win", ""},
	"ole32":            {sys32 + "ole32.dll", "Microsoft OLE for Windows", "OLE32.DLL", "win", ""},
	"oleaut32":         {sys32 + "oleaut32.dll", "OLEAUT32.DLL", "OLEAUT32.DLL", "win", ""},
	"ws2_32":           {sys32 + "ws2_32.dll", "Windows Socket 2.0 32-Bit DLL", "ws2_32.dll", "win", ""},
	"crypt32":          {sys32 + "crypt32.dll", "Crypto API32", "CRYPT32.DLL", "win", ""},
	"bcrypt":           {sys32 + "bcrypt.dll", "Windows Cryptographic Primitives Library", "BCrypt.dll", "win", ""},
	"sechost":          {sys32 + "sechost.dll", "Host for SCM/SDDL/LSA Lookup APIs", "sechost.dll", "win", ""},
	"rpcrt4":           {sys32 + "rpcrt4.dll", "Remote Procedure Call Runtime", "RPCRT4.DLL", "win", ""},
	"msvcp_win":        {sys32 + "msvcp_win.dll", "Microsoft® C Runtime Library", "msvcp_win.dll", "win", ""},
	"ucrtbase":         {sys32 + "ucrtbase.dll", "Microsoft® C Runtime Library", "ucrtbase.dll", "win", ""},
	"gdi32":            {sys32 + "gdi32.dll", "GDI Client DLL", "gdi32", "win", ""},
	"shell32":          {sys32 + "shell32.dll", "Windows Shell Common Dll", "SHELL32.DLL", "win", ""},
	"winstorage":       {sys32 + "windows.storage.dll", "Microsoft WinRT Storage API", "Windows.Storage.dll", "win", ""},
	"wininet":          {sys32 + "wininet.dll", "Internet Extensions for Win32", "wininet.dll", "win", ""},
	"winhttp":          {sys32 + "winhttp.dll", "Windows HTTP Services", "winhttp.dll", "win", ""},
	"dnsapi":           {sys32 + "dnsapi.dll", "DNS Client API DLL", "dnsapi", "win", ""},
	"iphlpapi":         {sys32 + "IPHLPAPI.DLL", "IP Helper API", "iphlpapi.dll", "win", ""},
	"mswsock":          {sys32 + "mswsock.dll", "Microsoft Windows Sockets 2.0 Service Provider", "mswsock.dll", "win", ""},
	"nsi":              {sys32 + "nsi.dll", "NSI User-mode interface DLL", "nsi.dll", "win", ""},
	"shlwapi":          {sys32 + "shlwapi.dll", "Shell Light-weight Utility Library", "SHLWAPI.DLL", "win", ""},
	"uxtheme":          {sys32 + "uxtheme.dll", "Microsoft UxTheme Library", "UxTheme.dll", "win", ""},
	"version":          {sys32 + "version.dll", "Version Checking and File Installation Libraries", "VERSION.DLL", "win", ""},
	"cryptbase":        {sys32 + "cryptbase.dll", "Base cryptographic API DLL", "cryptbase", "win", ""},
	"msasn1":           {sys32 + "msasn1.dll", "ASN.1 Runtime APIs", "msasn1.dll", "win", ""},
	"wintrust":         {sys32 + "wintrust.dll", "Microsoft Trust Verification APIs", "WINTRUST.DLL", "win", ""},
	"profapi":          {sys32 + "profapi.dll", "User Profile Basic API", "profapi.dll", "win", ""},
	"powrprof":         {sys32 + "powrprof.dll", "Power Profile Helper DLL", "POWRPROF.DLL", "win", ""},
	"appcore":          {sys32 + "kernel.appcore.dll", "AppModel API Host", "kernel.appcore.dll", "win", ""},
	"bcryptprimitives": {sys32 + "bcryptprimitives.dll", "Windows Cryptographic Primitives Library", "bcryptprimitives.dll", "win", ""},
	"clbcatq":          {sys32 + "clbcatq.dll", "COM+ Configuration Catalog", "CLBCatQ.DLL", "win", ""},
	"propsys":          {sys32 + "propsys.dll", "Microsoft Property System", "propsys.dll", "win", ""},
	"wldp":             {sys32 + "wldp.dll", "Windows Lockdown Policy", "wldp.dll", "win", ""},
	"urlmon":           {sys32 + "urlmon.dll", "OLE32 Extensions for Win32", "UrlMon.dll", "win", ""},
	"secur32":          {sys32 + "secur32.dll", "Security Support Provider Interface", "secur32.dll", "win", ""},
	"sspicli":          {sys32 + "sspicli.dll", "Security Support Provider Interface", "sspicli.dll", "win", ""},
	"userenv":          {sys32 + "userenv.dll", "Userenv", "userenv.dll", "win", ""},
	"netapi32":         {sys32 + "netapi32.dll", "Net Win32 API DLL", "netapi32.dll", "win", ""},
	"taskschd":         {sys32 + "taskschd.dll", "Task Scheduler COM API", "taskschd.dll", "win", ""},
	"dwmapi":           {sys32 + "dwmapi.dll", "Microsoft Desktop Window Manager API", "dwmapi.dll", "win", ""},
	"amsi":             {sys32 + "amsi.dll", "Anti-Malware Scan Interface", "amsi.dll", "win", ""},
	"explorerframe":    {sys32 + "ExplorerFrame.dll", "ExplorerFrame", "ExplorerFrame.dll", "win", ""},
	"twinui":           {sys32 + "twinui.dll", "TWINUI", "TWINUI.DLL", "win", ""},
	"fastprox":         {sys32 + `wbem\fastprox.dll`, "WMI Custom Marshaller", "fastprox.dll", "win", ""},
	"wmiutils":         {sys32 + `wbem\wmiutils.dll`, "WMI", "wmiutils.dll", "win", ""},
	"wbemcomn":         {sys32 + "wbemcomn.dll", "WMI", "wbemcomn.dll", "win", ""},
	"iiscore":          {sys32 + `inetsrv\iiscore.dll`, "IIS Web Server Core", "iiscore.dll", "win", ""},
	"mscoree":          {sys32 + "mscoree.dll", "Microsoft .NET Runtime Execution Engine", "mscoree.dll", "win", ""},
	"comsvcs":          {sys32 + "comsvcs.dll", "COM+ Services", "comsvcs.dll", "win", ""},
	"dbghelp":          {sys32 + "dbghelp.dll", "Windows Image Helper", "DBGHELP.DLL", "win", ""},
	"mpoav":            {defDir + "MpOav.dll", "IOfficeAntiVirus Module", "MpOAV.dll", "win", "4.18.25010.11 (WinBuild.160101.0800)"},
	"mpsvc":            {defDir + "MpSvc.dll", "Antimalware Service", "MpSvc.dll", "win", "4.18.25010.11 (WinBuild.160101.0800)"},
	"mpengine":         {`C:\ProgramData\Microsoft\Windows Defender\Definition Updates\{8C1F1A0E-5B3D-4E8E-9C71-2F0D4A7B6C11}\mpengine.dll`, "Microsoft Malware Protection Engine", "mpengine.dll", "ms", "1.1.25010.1"},
	"clr":              {`C:\Windows\Microsoft.NET\Framework64\v4.0.30319\clr.dll`, "Microsoft .NET Runtime Common Language Runtime - WorkStation", "clr.dll", "dotnet", ""},
	"clrjit":           {`C:\Windows\Microsoft.NET\Framework64\v4.0.30319\clrjit.dll`, "Microsoft .NET Runtime Just-In-Time Compiler", "clrjit.dll", "dotnet", ""},
	"mscorlib":         {`C:\Windows\assembly\NativeImages_v4.0.30319_64\mscorlib\5d1b1ef7bb1d4e8a9a0e2d5b4d3bb0a1\mscorlib.ni.dll`, "Microsoft Common Language Runtime Class Library", "mscorlib.dll", "dotnet", ""},
	"sma":              {`C:\Windows\assembly\NativeImages_v4.0.30319_64\System.Manaa57fc8cc#\3b8f6c1c0d36d2a7e91f4a2cfe6e0d55\System.Management.Automation.ni.dll`, "System.Management.Automation", "System.Management.Automation.dll", "dotnet", "10.0.10011.16384"},
	"webengine4":       {`C:\Windows\Microsoft.NET\Framework64\v4.0.30319\webengine4.dll`, "ASP.NET Runtime Web Engine DLL", "webengine4.dll", "dotnet", ""},
	"chromedll":        {chromeDir + `«chrome»\chrome.dll`, "Google Chrome", "chrome.dll", "google", "«chrome»"},
	"chromeelf":        {chromeDir + `«chrome»\chrome_elf.dll`, "Google Chrome", "chrome_elf.dll", "google", "«chrome»"},
	"msedgedll":        {edgeDir + `«edge»\msedge.dll`, "Microsoft Edge", "msedge.dll", "ms", "«edge»"},
	"msedgeelf":        {edgeDir + `«edge»\msedge_elf.dll`, "Microsoft Edge", "msedge_elf.dll", "ms", "«edge»"},
	"ebwebview":        {`C:\Program Files (x86)\Microsoft\EdgeWebView\Application\«edge»\EBWebView\x64\EmbeddedBrowserWebView.dll`, "Microsoft Edge Embedded Browser WebView Client", "EmbeddedBrowserWebView.dll", "ms", "«edge»"},
	"wwlib":            {officeDir + "WWLIB.DLL", "Microsoft Word", "WwLib.Dll", "ms", "«office»"},
	"mso":              {`C:\Program Files\Common Files\Microsoft Shared\Office16\mso40uiwin32client.dll`, "Microsoft Office component", "mso40uiwin32client.dll", "ms", "«office»"},
	"filesyncshell":    {`C:\Users\«u»\AppData\Local\Microsoft\OneDrive\«onedrive»\FileSyncShell64.dll`, "Microsoft OneDrive Shell Extension", "FileSyncShell.dll", "ms", "«onedrive»"},
	"7zip":             {`C:\Program Files\7-Zip\7-zip.dll`, "7-Zip Shell Extension", "7-zip.dll", "none", "24.09"},
}

// imgT is an image load (Sysmon 7): the loading exe and the DLLs it loads
// besides the common system ones.
type imgT struct {
	w     int
	on    roles
	exe   string
	dlls  []string
	label string
}

var commonDLLs = []string{"ntdll", "kernel32", "kernelbase", "user32", "advapi32", "combase", "ole32", "oleaut32",
	"ws2_32", "crypt32", "bcrypt", "sechost", "rpcrt4", "msvcp_win", "ucrtbase", "gdi32", "shell32", "winstorage",
	"wininet", "winhttp", "dnsapi", "iphlpapi", "mswsock", "nsi", "shlwapi", "uxtheme", "version", "cryptbase",
	"msasn1", "wintrust", "profapi", "powrprof", "appcore", "bcryptprimitives", "clbcatq", "propsys", "wldp",
	"urlmon", "secur32", "sspicli", "userenv", "netapi32", "dwmapi"}

var imgs = []imgT{
	{w: 10, on: rWS, exe: "chrome", dlls: []string{"chromedll", "chromeelf", "mpoav"}},
	{w: 8, on: rWS, exe: "msedge", dlls: []string{"msedgedll", "msedgeelf", "mpoav"}},
	{w: 4, on: rWS, exe: "webview2", dlls: []string{"ebwebview", "msedgeelf"}},
	{w: 3, on: rWS, exe: "teams", dlls: []string{"ebwebview"}},
	{w: 4, on: rWS, exe: "explorer", dlls: []string{"explorerframe", "twinui", "filesyncshell", "7zip", "winstorage"}},
	{w: 3, on: rWS, exe: "winword", dlls: []string{"wwlib", "mso", "mpoav"}},
	{w: 2, on: rWS, exe: "excel", dlls: []string{"mso", "mpoav"}},
	{w: 2, on: rWS, exe: "outlook", dlls: []string{"mso", "mpoav"}},
	{w: 2, on: rWS, exe: "onedrive", dlls: []string{"filesyncshell"}},
	{w: 6, exe: "svchost", dlls: []string{"taskschd", "wbemcomn"}},
	{w: 3, exe: "svchost:dcom", dlls: []string{"wbemcomn"}},
	{w: 3, exe: "wmiprvse", dlls: []string{"fastprox", "wmiutils", "wbemcomn"}},
	{w: 3, exe: "runtimebroker", dlls: []string{"twinui"}},
	{w: 3, exe: "dllhost", dlls: []string{"winstorage"}},
	{w: 3, exe: "conhost", dlls: []string{"uxtheme"}},
	{w: 2, exe: "msmpeng", dlls: []string{"mpsvc", "mpengine"}},
	{w: 2, exe: "powershell", dlls: []string{"mscoree", "clr", "clrjit", "mscorlib", "sma", "amsi"}},
	{w: 2, exe: "searchprotocolhost", dlls: []string{"propsys"}},
	{w: 1, exe: "taskhostw", dlls: []string{"taskschd"}},
	{w: 1, exe: "backgroundtaskhost", dlls: []string{"winstorage"}},
	{w: 4, on: rWeb, exe: "w3wp", dlls: []string{"iiscore", "webengine4", "clr", "mscoree", "clrjit", "mscorlib"}},
	{w: 1, on: rSrv, exe: "vmtoolsd", dlls: nil},
}

var malImgs = []imgT{
	// Potentially Suspicious DLL Loaded By Uncommon Process (dbghelp from a public folder)
	{w: 2, exe: "payload", dlls: []string{"dbghelp"}, label: "dbghelp_public"},
	// PowerShell Core DLL Loaded By Non PowerShell Process
	{w: 1, exe: "rundll32", dlls: []string{"sma"}, label: "sma_rundll32"},
}

// fileT is a file creation (Sysmon 11).
type fileT struct {
	w     int
	on    roles
	exe   string
	path  string
	label string
}

var files = []fileT{
	{w: 8, on: rWS, exe: "svchost:bam", path: `C:\Windows\Prefetch\«|CHROME.EXE|MSEDGE.EXE|SVCHOST.EXE|RUNTIMEBROKER.EXE|BACKGROUNDTASKHOST.EXE|CONHOST.EXE|DLLHOST.EXE|WMIPRVSE.EXE|TASKHOSTW.EXE|SEARCHPROTOCOLHOST.EXE|WINWORD.EXE|EXCEL.EXE|ONEDRIVE.EXE|MS-TEAMS.EXE»-«X:8».pf`},
	{w: 6, on: rWS, exe: "chrome", path: `C:\Users\«u»\AppData\Local\Google\Chrome\User Data\Default\«|Cache\Cache_Data\f_«x:6»|Code Cache\js\«x:16»_0|Network\Cookies-journal|History-journal|Sessions\Tabs_«d:17»|Local Storage\leveldb\«d:6».log|Service Worker\CacheStorage\«x:40»\«g»\«x:16»_0»`},
	{w: 2, on: rWS, exe: "chrome", path: `C:\Users\«u»\Downloads\«|«pdf»|«docx»|«xlsx»|Unconfirmed «d:6».crdownload»`},
	{w: 4, on: rWS, exe: "msedge", path: `C:\Users\«u»\AppData\Local\Microsoft\Edge\User Data\Default\«|Cache\Cache_Data\f_«x:6»|Code Cache\js\«x:16»_0|Network\Cookies-journal|History-journal|Sessions\Session_«d:17»»`},
	{w: 1, on: rWS, exe: "msedge", path: `C:\Users\«u»\Downloads\«|«pdf»|«xlsx»»`},
	{w: 2, on: rWS, exe: "explorer", path: `C:\Users\«u»\AppData\Roaming\Microsoft\Windows\Recent\«doc».lnk`},
	{w: 2, on: rWS, exe: "winword", path: `C:\Users\«u»\AppData\Roaming\Microsoft\Word\~WRL«d:4».tmp`},
	{w: 1, on: rWS, exe: "winword", path: `C:\Users\«u»\AppData\Local\Microsoft\Office\16.0\OfficeFileCache\«|CentralTable.accdb|FSD-«G».FSD|LocalCacheFileEditManager\FSF-«G».FSF»`},
	{w: 2, on: rWS, exe: "excel", path: `C:\Users\«u»\AppData\Local\Temp\«X:8».tmp`},
	{w: 2, on: rWS, exe: "outlook", path: `C:\Users\«u»\AppData\Local\Microsoft\Windows\INetCache\Content.Outlook\«X:8»\«|«pdf»|image«n:1-9».png|«docx»»`},
	{w: 2, on: rWS, exe: "onedrive", path: `C:\Users\«u»\OneDrive - «org»\«|Documents|Bureau|Partage equipe»\«doc»`},
	{w: 1, on: rWS, exe: "onedrive", path: `C:\Users\«u»\AppData\Local\Microsoft\OneDrive\logs\Business1\«|SyncDiagnostics.log|SyncEngine-«date».«d:4».«d:4».aodl»`},
	{w: 2, on: rWS, exe: "webview2", path: `C:\Users\«u»\AppData\Local\Packages\MSTeams_8wekyb3d8bbwe\LocalCache\Microsoft\MSTeams\EBWebView\Default\«|Cache\Cache_Data\f_«x:6»|IndexedDB\https_teams.microsoft.com_0.indexeddb.leveldb\«d:6».log»`},
	{w: 2, exe: "svchost", path: `C:\Windows\ServiceState\EventLog\Data\lastalive«n:0-1».dat`},
	{w: 1, exe: "svchost:wu", path: `C:\Windows\SoftwareDistribution\Download\«x:32»\«|windows10.0-kb5053598-x64.cab|express.cab|«x:40»»`},
	{w: 2, exe: "msmpeng", path: `C:\ProgramData\Microsoft\Windows Defender\Scans\«|mpenginedb.db-wal|mpenginedb.db-shm|History\CacheManager\MpSfc.bin|RtSigs\Data\«x:16»»`},
	{w: 1, exe: "mpcmdrun", path: `C:\Windows\Temp\MpCmdRun.log`},
	{w: 1, exe: "tiworker", path: `C:\Windows\Logs\CBS\«|CBS.log|CbsPersist_«date»«d:6».log»`},
	{w: 2, exe: "powershell", path: `C:\«|Users\«u»\AppData\Local|Windows\Temp|Windows\ServiceProfiles\LocalService\AppData\Local»\Temp\__PSScriptPolicyTest_«a:8».«a:3».«|ps1|psm1»`},
	{w: 1, exe: "powershell", path: `C:\Users\«u»\AppData\Local\Microsoft\Windows\PowerShell\StartupProfileData-«|Interactive|NonInteractive»`},
	{w: 1, exe: "searchindexer", path: `C:\ProgramData\Microsoft\Search\Data\Applications\Windows\«|Windows.edb|edb«X:5».log|tmp.edb»`},
	{w: 6, on: rFS, exe: "system", path: `«|D:\Partages|E:\Services»\«|Finances|RH|Urbanisme|Commun|Scans»\«doc»`},
	{w: 2, on: rFS, exe: "robocopy", path: `C:\Scripts\Logs\robocopy_«date».log`},
	{w: 2, on: rWeb, exe: "w3wp", path: `C:\inetpub\temp\IIS Temporary Compressed Files\«pool»\$^_gzip_C^\INETPUB\WWWROOT\«|CSS|JS»\«|SITE|MAIN|BOOTSTRAP.MIN|JQUERY-3.7.1.MIN».«|CSS|JS»`},
	{w: 2, on: rWeb, exe: "system", path: `C:\inetpub\logs\LogFiles\W3SVC«n:1-3»\u_ex«yymmdd».log`},
	{w: 2, on: rDC, exe: "dfsrs", path: `C:\Windows\SYSVOL\domain\DfsrPrivate\Staging\ContentSet{«G»}-{«G»}\«x:8»-«|GPT.INI|Registry.pol|GptTmpl.inf»`},
}

var malFiles = []fileT{
	// LSASS Process Memory Dump Files
	{w: 2, exe: "rundll32", path: `C:\Windows\Temp\lsass.dmp`, label: "lsass_dump_file"},
	// Startup Folder File Write
	{w: 1, on: rWS, exe: "powershell", path: `C:\Users\«u»\AppData\Roaming\Microsoft\Windows\Start Menu\Programs\Startup\«payload».vbs`, label: "startup_vbs"},
	// Mimikatz Kirbi File Creation
	{w: 1, exe: "mimikatz", path: `C:\Users\Public\[0;«x:6»]-2-0-40e10000-«u»@krbtgt-«dns».kirbi`, label: "mimikatz_kirbi"},
}

// regT is a registry event: Sysmon 13 (SetValue, with details) or 12
// (CreateKey, DeleteKey, DeleteValue).
type regT struct {
	w       int
	on      roles
	exe     string
	typ     string
	target  string
	details string
	label   string
}

var regSets = []regT{
	{w: 6, on: rWS, exe: "svchost:bam", target: `HKLM\System\CurrentControlSet\Services\bam\State\UserSettings\«sid»\\Device\HarddiskVolume3\«|Windows\System32\cmd.exe|Program Files\Google\Chrome\Application\chrome.exe|Windows\explorer.exe|Windows\System32\notepad.exe|Program Files\Microsoft Office\root\Office16\WINWORD.EXE|Program Files\Microsoft Office\root\Office16\EXCEL.EXE|Windows\System32\WindowsPowerShell\v1.0\powershell.exe»`, details: "Binary Data"},
	{w: 4, on: rWS, exe: "explorer", target: `HKU\«sid»\Software\Microsoft\Windows\CurrentVersion\Explorer\UserAssist\{CEBFF5CD-ACE2-4F4F-9178-9926F41749EA}\Count\«|HRZR_PGYFRFFVBA|{1NP14R77-02R7-4R5Q-O744-2RO1NR5198O7}\pzq.rkr|Zvpebfbsg.Jvaqbjf.Rkcybere|{6Q809377-6NS0-444O-8957-N3773S02200R}\Tbbtyr\Puebzr\Nccyvpngvba\puebzr.rkr|{7P5N40RS-N0SO-4OSP-874N-P0S2R0O9SN8R}\Zvpebfbsg Bssvpr\ebbg\Bssvpr16\JVAJBEQ.RKR»`, details: "Binary Data"},
	{w: 2, on: rWS, exe: "explorer", target: `HKU\«sid»\Software\Microsoft\Windows\CurrentVersion\Explorer\RecentDocs\«|.docx|.xlsx|.pdf|Folder»\MRUListEx`, details: "Binary Data"},
	{w: 3, on: rWS, exe: "explorer", target: `HKU\«sid»\Software\Microsoft\Windows\CurrentVersion\Explorer\FeatureUsage\AppSwitched\«|Microsoft.Windows.Explorer|MSEdge|Chrome|Microsoft.Office.WINWORD.EXE.15|Microsoft.Office.EXCEL.EXE.15|MSTeams_8wekyb3d8bbwe!MSTeams»`, details: "DWORD (0x000000«x:2»)"},
	{w: 1, on: rWS, exe: "chrome", target: `HKU\«sid»\Software\Google\Chrome\PreferenceMACs\Default\«|browser.show_home_button|homepage|session.restore_on_startup|default_search_provider_data.template_url_data|extensions.settings.«a:32»»`, details: "«X:64»"},
	{w: 1, on: rWS, exe: "msedge", target: `HKU\«sid»\Software\Microsoft\Edge\BLBeacon\«|failed_count|state|version»`, details: "«|DWORD (0x00000000)|DWORD (0x00000001)|«edge»»"},
	{w: 2, exe: "svchost", target: `HKLM\System\CurrentControlSet\Services\W32Time\Config\LastKnownGoodTime`, details: "QWORD (0x01dc«x:4»-0x«x:8»)"},
	{w: 1, exe: "svchost", target: `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\NetworkList\Profiles\{«G»}\DateLastConnected`, details: "Binary Data"},
	{w: 2, exe: "svchost", target: `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Group Policy\State\Machine\Extension-List\{00000000-0000-0000-0000-000000000000}\«|startTimeLo|startTimeHi|endTimeLo|endTimeHi»`, details: "DWORD (0x«x:8»)"},
	{w: 2, exe: "msmpeng", target: `HKLM\SOFTWARE\Microsoft\Windows Defender\Signature Updates\«|SignaturesLastUpdated|AVSignatureApplied|ASSignatureApplied|LastFallbackTime»`, details: "«|Binary Data|QWORD (0x01dc«x:4»-0x«x:8»)»"},
	{w: 1, on: rWS, exe: "officec2r", target: `HKLM\SOFTWARE\Microsoft\Office\ClickToRun\Configuration\«|UpdatesEnabled|VersionToReport|UpdateChannel»`, details: "«|True|«office»|http://officecdn.microsoft.com/pr/55336b82-a18d-4dd6-b5f6-9e5095c314a6»"},
	{w: 2, on: rWS, exe: "winword", target: `HKU\«sid»\Software\Microsoft\Office\16.0\Word\Reading Locations\Document «n:0-9»\«|File Path|Datetime|Position»`, details: `«|C:\Users\«u»\Documents\«docx»|«date»T«n:10-18»:«n:10-59»|«n:0-99» «n:0-9999»»`},
	{w: 1, on: rWS, exe: "excel", target: `HKU\«sid»\Software\Microsoft\Office\16.0\Excel\File MRU\Item «n:1-9»`, details: "[F00000000][T01DC«X:12»][O00000000]*C:\\Users\\«u»\\Documents\\«xlsx»"},
	{w: 1, on: rWS, exe: "onedrive", target: `HKU\«sid»\Software\Microsoft\OneDrive\Accounts\Business1\«|LastSignInTime|ClientEverSignedIn|Timerautomount»`, details: "«|DWORD (0x00000001)|QWORD (0x00000000-0x«x:8»)»"},
	{w: 1, exe: "services", target: `HKLM\System\CurrentControlSet\Services\«|BITS|wuauserv|TrustedInstaller|edgeupdate|gupdate|sppsvc|WaaSMedicSvc»\Start`, details: "DWORD (0x0000000«|2|3»)"},
	{w: 1, on: rDC, exe: "dfsrs", target: `HKLM\System\CurrentControlSet\Services\DFSR\Parameters\Replication Groups\{«G»}\Replicated Folders\{«G»}\«|Last Config Update Time|Staging Size In MB»`, details: "«|QWORD (0x01dc«x:4»-0x«x:8»)|DWORD (0x00001000)»"},
	{w: 1, on: rWeb, exe: "w3wp", target: `HKLM\System\CurrentControlSet\Services\Tcpip\Parameters\Interfaces\{«G»}\DhcpRetryTime`, details: "DWORD (0x0000«x:4»)"},
}

var malRegSets = []regT{
	// Registry Run key pointing to a public folder (CurrentVersion Autorun Keys Modification)
	{w: 3, exe: "powershell", target: `HKU\«sid»\Software\Microsoft\Windows\CurrentVersion\Run\«|OneDriveUpdate|SecurityHealth32|Updater»`, details: `C:\Users\Public\«payload».exe`, label: "run_key_public"},
	// Wdigest Enable UseLogonCredential
	{w: 2, exe: "reg", target: `HKLM\System\CurrentControlSet\Control\SecurityProviders\WDigest\UseLogonCredential`, details: "DWORD (0x00000001)", label: "wdigest_enable"},
	// Disable Windows Defender Functionalities Via Registry Keys
	{w: 1, exe: "reg", target: `HKLM\SOFTWARE\Policies\Microsoft\Windows Defender\Real-Time Protection\DisableRealtimeMonitoring`, details: "DWORD (0x00000001)", label: "defender_disable_rtp"},
}

var regEvents = []regT{
	{w: 2, on: rWS, exe: "svchost:bam", typ: "CreateKey", target: `HKLM\System\CurrentControlSet\Services\bam\State\UserSettings\«sid»`},
	{w: 3, on: rWS, exe: "explorer", typ: "«|CreateKey|DeleteKey»", target: `HKU\«sid»\Software\Microsoft\Windows\CurrentVersion\Explorer\SessionInfo\«n:1-3»\ApplicationViewManagement\W32:«X:16»`},
	{w: 1, on: rWS, exe: "explorer", typ: "DeleteValue", target: `HKU\«sid»\Software\Microsoft\Windows\CurrentVersion\Explorer\FeatureUsage\ShowJumpView\«|Chrome|MSEdge|Microsoft.Windows.Explorer»`},
	{w: 1, exe: "svchost", typ: "CreateKey", target: `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\NetworkList\Nla\Cache\Intranet\«dns»`},
	{w: 1, exe: "msiexec", typ: "«|CreateKey|DeleteKey»", target: `HKLM\SOFTWARE\Classes\Installer\Products\«X:32»`},
	{w: 1, exe: "tiworker", typ: "CreateKey", target: `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\PackageDetect\Microsoft-Windows-«|Client|Server»-Features-Package«d:5»~31bf3856ad364e35~amd64~~0.0.0.0`},
	{w: 2, on: rWS, exe: "winword", typ: "«|CreateKey|DeleteKey|DeleteValue»", target: `HKU\«sid»\Software\Microsoft\Office\16.0\Word\Resiliency\«|DocumentRecovery\«X:6»|StartupItems»`},
	{w: 1, on: rWS, exe: "excel", typ: "«|CreateKey|DeleteValue»", target: `HKU\«sid»\Software\Microsoft\Office\16.0\Excel\Resiliency\«|DocumentRecovery\«X:6»|StartupItems»`},
	{w: 1, exe: "wmiprvse", typ: "CreateKey", target: `HKLM\SOFTWARE\Microsoft\Wbem\Transports\Decoupled\Client\«X:8»`},
	{w: 1, on: rWS, exe: "onedrive", typ: "DeleteValue", target: `HKU\«sid»\Software\Microsoft\OneDrive\Accounts\Business1\ScopeIdToMountPointPathCache\«a:16»`},
}

var malRegEvents = []regT{
	// SilentProcessExit Monitor Registration for LSASS
	{w: 1, exe: "reg", typ: "CreateKey", target: `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\SilentProcessExit\lsass.exe`, label: "silentprocessexit_lsass"},
	// Disable Security Events Logging Adding Reg Key MiniNt
	{w: 1, exe: "reg", typ: "CreateKey", target: `HKLM\SYSTEM\CurrentControlSet\Control\MiniNt`, label: "minint_key"},
}

// accessT is a process access (Sysmon 10).
type accessT struct {
	w      int
	on     roles
	src    string
	tgt    string
	access string
	trace  string // the source's own frames, between ntdll/KERNELBASE and KERNEL32/ntdll
	label  string
}

var accesses = []accessT{
	{w: 4, src: "msmpeng", tgt: "«|explorer|chrome|outlook|winword|svchost|runtimebroker»", access: "«|0x1000|0x101000|0x1400»", trace: defDir + `MpSvc.dll+«x:6»|` + defDir + `MpSvc.dll+«x:6»`},
	{w: 3, on: rWS, src: "chrome", tgt: "chrome:renderer", access: "«|0x1000|0x1400|0x101000»", trace: chromeDir + `«chrome»\chrome.dll+«x:7»|` + chromeDir + `«chrome»\chrome.dll+«x:7»`},
	{w: 2, on: rWS, src: "msedge", tgt: "msedge:renderer", access: "«|0x1000|0x1400»", trace: edgeDir + `«edge»\msedge.dll+«x:7»`},
	{w: 3, src: "svchost", tgt: "«|runtimebroker|dllhost|wmiprvse|taskhostw|searchprotocolhost»", access: "«|0x1000|0x1400|0x3000»", trace: `C:\Windows\System32\sechost.dll+«x:5»|C:\Windows\system32\svchost.exe+«x:4»`},
	{w: 2, src: "wmiprvse", tgt: "«|svchost|services|explorer»", access: "«|0x1000|0x1400»", trace: `C:\Windows\system32\wbem\cimwin32.dll+«x:5»|C:\Windows\SYSTEM32\framedynos.dll+«x:5»`},
	{w: 1, on: rWS, src: "taskmgr", tgt: "«|chrome|explorer|outlook|teams»", access: "0x1000", trace: sys32 + `Taskmgr.exe+«x:5»`},
	{w: 2, on: rSrv, src: "vmtoolsd", tgt: "«|svchost|services|explorer»", access: "0x1000", trace: `C:\Program Files\VMware\VMware Tools\plugins\vmsvc\guestInfo.dll+«x:5»`},
	{w: 1, on: rWS, src: "explorer", tgt: "«|chrome|winword|excel|notepad»", access: "«|0x1000|0x1400»", trace: sys32 + `windows.storage.dll+«x:6»|C:\Windows\Explorer.EXE+«x:5»`},
}

var malAccesses = []accessT{
	// LSASS Memory Access by Tool With Dump Keyword In Name / comsvcs MiniDump
	{w: 2, src: "rundll32", tgt: "lsass", access: "0x1fffff", trace: `C:\Windows\System32\dbgcore.DLL+«x:5»|C:\Windows\System32\dbgcore.DLL+«x:5»|C:\Windows\System32\comsvcs.dll+«x:5»|C:\Windows\System32\comsvcs.dll+«x:5»|C:\Windows\system32\rundll32.exe+«x:4»`, label: "lsass_access_comsvcs"},
	// Credential Dumping Attempt Via Mimikatz-like tool
	{w: 1, src: "mimikatz", tgt: "lsass", access: "0x1010", trace: `C:\Users\Public\mimikatz.exe+«x:5»|C:\Users\Public\mimikatz.exe+«x:5»`, label: "lsass_access_mimikatz"},
}

func (t netT) weight() int     { return t.w }
func (t dnsT) weight() int     { return t.w }
func (t imgT) weight() int     { return t.w }
func (t fileT) weight() int    { return t.w }
func (t regT) weight() int     { return t.w }
func (t accessT) weight() int  { return t.w }
func (t netT) roles() roles    { return t.on }
func (t dnsT) roles() roles    { return t.on }
func (t imgT) roles() roles    { return t.on }
func (t fileT) roles() roles   { return t.on }
func (t regT) roles() roles    { return t.on }
func (t accessT) roles() roles { return t.on }

// vocabEntry is what tables needs of a template.
type vocabEntry interface {
	weight() int
	roles() roles
}

// tables builds the benign per-role table and the malicious table of a
// template kind.
func tables[T vocabEntry](benign, mal []T) (*byRole[T], table[*T]) {
	br := newByRole(benign, func(t *T) int { return (*t).weight() }, func(t *T) roles { return (*t).roles() })
	var mt table[*T]
	for i := range mal {
		mt.add(&mal[i], mal[i].weight())
	}
	return br, mt
}

var (
	netTable, malNetTable       = tables(nets, malNets)
	dnsTable, malDNSTable       = tables(dnss, malDNSs)
	imgTable, malImgTable       = tables(imgs, malImgs)
	fileTable, malFileTable     = tables(files, malFiles)
	regSetTable, malRegSetTable = tables(regSets, malRegSets)
	regEvtTable, malRegEvtTable = tables(regEvents, malRegEvents)
	accessTable, malAccessTable = tables(accesses, malAccesses)
)

// pickT draws a template and its host: a benign one on a random host, or a
// malicious one on a host of a role it applies to.
func pickT[T vocabEntry](g *Generator, mal bool, br *byRole[T], mt *table[*T]) (*T, *host) {
	if mal {
		t := mt.pick(g.r)
		return t, g.hostWith((*t).roles())
	}
	h := g.pickHost()
	return br.pick(g.r, h.role), h
}
