# Install rules and the Debian package. Included once from the top-level CMakeLists.txt.
#
# `cmake --install` and the .deb from `cpack -G DEB` give the same GNUInstallDirs layout:
#   bin/lookalike, bin/lookalike-cli
#   share/applications/<app id>.desktop
#   share/icons/hicolor/scalable/apps/<app id>.svg
#   share/metainfo/<app id>.metainfo.xml
#   share/lookalike/sample-catalog/<class>/*.png   (datasets::sampleCatalogDir())
#   share/lookalike/sample-catalog/demo-groups.csv (datasets::sampleGroupsCsv())
#   share/lookalike/models/*.lkckpt                (only when resources/models holds one)
#   share/doc/lookalike/copyright
# The programs find share/lookalike relative to their own folder (core/util/install_paths.h),
# so the package also works unpacked into any root.

include(GNUInstallDirs)

# The reverse-DNS id names the desktop entry, the icon and the AppStream component; the GUI
# should pass the same to QGuiApplication::setDesktopFileName().
set(LOOKALIKE_APP_ID "org.lookalike.Lookalike" CACHE STRING "Reverse-DNS application id")
# Placeholder until the project has a public home: set it before publishing a package.
set(LOOKALIKE_HOMEPAGE "https://lookalike.example/" CACHE STRING "Project homepage (AppStream, Debian)")
set(LOOKALIKE_MAINTAINER "Lookalike maintainers <maintainers@users.noreply.r-seed-0c3e4d0c.example>"
  CACHE STRING "Debian package maintainer")
# The AppStream <release> entry for PROJECT_VERSION.
set(LOOKALIKE_RELEASE_DATE "2026-11-28" CACHE STRING "Release date of PROJECT_VERSION (YYYY-MM-DD)")

set(lookalike_data_dir "${CMAKE_INSTALL_DATADIR}/lookalike")
set(lookalike_resources "${PROJECT_SOURCE_DIR}/resources")

install(TARGETS lookalike-cli RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")

if(LOOKALIKE_BUILD_GUI)
  install(TARGETS lookalike
    RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}"
    BUNDLE DESTINATION .)

  configure_file("${CMAKE_CURRENT_LIST_DIR}/linux/lookalike.desktop.in"
    "${PROJECT_BINARY_DIR}/installer/${LOOKALIKE_APP_ID}.desktop" @ONLY)
  configure_file("${CMAKE_CURRENT_LIST_DIR}/linux/lookalike.metainfo.xml.in"
    "${PROJECT_BINARY_DIR}/installer/${LOOKALIKE_APP_ID}.metainfo.xml" @ONLY)
  install(FILES "${PROJECT_BINARY_DIR}/installer/${LOOKALIKE_APP_ID}.desktop"
    DESTINATION "${CMAKE_INSTALL_DATADIR}/applications")
  install(FILES "${PROJECT_BINARY_DIR}/installer/${LOOKALIKE_APP_ID}.metainfo.xml"
    DESTINATION "${CMAKE_INSTALL_DATADIR}/metainfo")
  install(FILES "${lookalike_resources}/icons/lookalike.svg"
    DESTINATION "${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps"
    RENAME "${LOOKALIKE_APP_ID}.svg")
endif()

# The photos and the demo's groups: the folder's README, licence and script stay in the source
# tree (the licence notice travels in share/doc/lookalike/copyright, where Debian expects it).
install(DIRECTORY "${lookalike_resources}/sample-catalog/"
  DESTINATION "${lookalike_data_dir}/sample-catalog"
  FILES_MATCHING PATTERN "*.png" PATTERN "demo-groups.csv")

# The committed checkpoints (resources/models/README.md: provenance, checksums, licences).
file(GLOB lookalike_models CONFIGURE_DEPENDS "${lookalike_resources}/models/*.lkckpt")
if(lookalike_models)
  install(FILES ${lookalike_models} DESTINATION "${lookalike_data_dir}/models")
endif()

install(FILES "${CMAKE_CURRENT_LIST_DIR}/linux/copyright"
  DESTINATION "${CMAKE_INSTALL_DATAROOTDIR}/doc/lookalike")

# --- Debian package: cpack -G DEB (in the build folder) -> lookalike_<version>_<arch>.deb ---
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME lookalike)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_VENDOR "Lookalike")
set(CPACK_PACKAGE_CONTACT "${LOOKALIKE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)  # the build is RelWithDebInfo; users do not need the symbols
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${LOOKALIKE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION graphics)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "${LOOKALIKE_HOMEPAGE}")
# The extended description: CPack puts CPACK_PACKAGE_DESCRIPTION_SUMMARY first and indents
# the lines (an empty line becomes Debian's " .").
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "Lookalike finds look-alike products in a shop's own catalog photos, entirely on
the shop's computer. Import folders of photos, click a product and see the most
similar ones, search with an outside photo, and teach it which items belong
together: it trains an image-embedding network on the CPU.

This package holds the desktop application (lookalike), the command-line tool
(lookalike-cli) and a sample catalog of 200 Fashion-MNIST product photos.")
# dpkg-shlibdeps derives the library packages (Qt, OpenCV, oneDNN, SQLite, zlib, libgomp,
# libstdc++...) from the binaries as built, so the list follows whatever the GUI links.
# It cannot see what Qt loads at run time: the platform plugins (xcb, wayland:
# qt6-qpa-plugins) and the SVG icon engine and image plugin that draw the app's SVG icons
# (libqt6svg6), so those are listed by hand. CPack appends dpkg-shlibdeps' list to this one.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "qt6-qpa-plugins, libqt6svg6")
include(CPack)
