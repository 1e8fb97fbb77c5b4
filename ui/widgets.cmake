# The widgets of lw_ui (the data layer is in data.cmake). Keep sorted.
set(LW_UI_WIDGET_SOURCES
    ByteSyntax.cpp ByteSyntax.h
    ChannelInspector.cpp ChannelInspector.h
    ChannelParams.cpp ChannelParams.h
    ColorScheme.cpp ColorScheme.h
    Composer.cpp Composer.h
    ConnectDialog.cpp ConnectDialog.h
    ConversationView.cpp ConversationView.h
    EscapeEdit.cpp EscapeEdit.h
    EventDelegate.cpp EventDelegate.h
    ListenDialog.cpp ListenDialog.h
    MainWindow.cpp MainWindow.h
    NotificationBanner.cpp NotificationBanner.h
    PayloadView.cpp PayloadView.h
    Settings.cpp Settings.h
    StatusBarWidgets.cpp StatusBarWidgets.h
    TerminatorEdit.cpp TerminatorEdit.h
    ViewColors.cpp ViewColors.h
)
