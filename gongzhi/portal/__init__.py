"""The portal: home, inbox, navigation and display toggles; it asks each app's home.py for its cards."""
