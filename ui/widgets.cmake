# The widgets of lw_ui (the data layer is in data.cmake). Keep sorted.
set(LW_UI_WIDGET_SOURCES
    ByteSyntax.cpp ByteSyntax.h
    ChannelInspector.cpp ChannelInspector.h
    ChannelParams.cpp ChannelParams.h
    ColorScheme.cpp ColorScheme.h
    Composer.cpp Composer.h
    ConnectDialog.cpp ConnectDialog.h
    ConversationView.cpp ConversationView.h
    DivergenceView.cpp DivergenceView.h
    EscapeEdit.cpp EscapeEdit.h
    EventDelegate.cpp EventDelegate.h
    ExampleHost.cpp ExampleHost.h
    ExamplePane.cpp ExamplePane.h
    ListenDialog.cpp ListenDialog.h
    LoopInspector.cpp LoopInspector.h
    MainWindow.cpp MainWindow.h
    MainWindowSession.cpp
    MainWindowTeaching.cpp
    MockDialog.cpp MockDialog.h
    NotificationBanner.cpp NotificationBanner.h
    PayloadView.cpp PayloadView.h
    ReplayDialog.cpp ReplayDialog.h
    SessionCapture.cpp SessionCapture.h
    SessionJobs.cpp SessionJobs.h
    Settings.cpp Settings.h
    StatusBarWidgets.cpp StatusBarWidgets.h
    SummaryDialog.cpp SummaryDialog.h
    TerminatorEdit.cpp TerminatorEdit.h
    ViewColors.cpp ViewColors.h
    WalkThrough.cpp WalkThrough.h
)
